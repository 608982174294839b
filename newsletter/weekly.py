"""The weekly edition: the best of the week's items for readers with `frequency: weekly`.

The weekly edition of date D (the newsletter's `digest.weekly_day`) takes the articles of
the seven days ending on D that no earlier weekly edition carried, ranked and capped like
a daily issue, with its own subject and number. It keeps its own state beside the daily
one (`.newsletter/weekly/`: ledger, archive, lock), so its guarantees are the daily
ones: nothing lost, never doubled, a crashed send resumed.

Pure, apart from `edition_folder` (path arithmetic).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.config import Config
from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.model import Article, Frequency, Subscriber
from newsletter.sources.select import History, identity_keys

__all__ = [
    "DAILY",
    "EDITIONS",
    "WEEKLY",
    "WeeklyFolder",
    "edition_folder",
    "is_weekly_day",
    "reads",
    "select_week",
    "weekly_config",
]

DAILY, WEEKLY = "daily", "weekly"
EDITIONS = (DAILY, WEEKLY)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclasses.dataclass(frozen=True)
class WeeklyFolder(Folder):
    """A folder as the weekly edition sees it: its state in `.newsletter/weekly/`."""

    @property
    def state_dir(self) -> Path:
        return self.root / ".newsletter" / "weekly"


def edition_folder(folder: Folder, edition: str) -> Folder:
    if edition == DAILY:
        return folder
    if edition == WEEKLY:
        return WeeklyFolder(folder.root, folder.config_path)
    raise InputError(f"--edition {edition!r}: use daily or weekly")


def journal_dir(folder: Folder) -> Path:
    """Where the web side's journal is: the folder's own state, whatever the edition."""
    return folder.root / ".newsletter"


def is_weekly_day(config: Config, day: date) -> bool:
    return WEEKDAYS[day.weekday()] == config.digest.weekly_day


def reads(subscriber: Subscriber, edition: str) -> bool:
    """Whether `subscriber` receives `edition`: daily readers the daily issue, weekly
    readers the weekly edition."""
    weekly = subscriber.frequency is Frequency.WEEKLY
    return weekly if edition == WEEKLY else not weekly


def weekly_config(config: Config) -> Config:
    """The config the weekly edition is built with: its own subject template."""
    digest = dataclasses.replace(config.digest, subject=config.digest.weekly_subject, subjects={})
    return dataclasses.replace(config, digest=digest)


def select_week(
    articles: Sequence[Article], day: date, history: History, tz: ZoneInfo, now: datetime
) -> tuple[Article, ...]:
    """The articles of the weekly edition of `day`: those of the seven days ending on
    `day` that no earlier weekly edition carried (an edition already sent is itself
    again, from its snapshots)."""
    if day in history.sent:
        return history.snapshots
    start = day - timedelta(days=6)
    chosen = []
    for article in articles:
        if any(k in history.carried for k in identity_keys(article)):
            continue
        when = (article.published or now).astimezone(tz).date()
        if start <= when <= day:
            chosen.append(article)
    return tuple(chosen)
