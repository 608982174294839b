"""The day's issue: config, sources and digest put together for build, preview and send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.config import Config, load_config
from newsletter.digest import build_digest
from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.model import Article, Digest
from newsletter.sources import gather, remember_feeds
from newsletter.sources.select import History, from_snapshot, history_keys, issued, rows, select

if TYPE_CHECKING:
    from newsletter.delivery.ledger import Ledger
    from newsletter.sources.fetch import Fetched
    from newsletter.sources.notes import SourceNote


def resolve_date(text: str | None, now: datetime) -> date:
    """`YYYY-MM-DD`, `today` or `yesterday`; `now` is in the newsletter's timezone."""
    if text is None or text == "today":
        return now.date()
    if text == "yesterday":
        return now.date() - timedelta(days=1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(f"--date {text!r} is not a date: use YYYY-MM-DD, `today` or `yesterday`")


@dataclass(frozen=True)
class Issue:
    config: Config
    folder: Folder
    digest: Digest
    articles: tuple[Article, ...] = ()  # what the digest carries; a real send records them
    fetched: tuple[Fetched, ...] = ()  # feed and page responses a real send remembers
    notes: tuple[SourceNote, ...] = ()  # remarks on sources that were read (redirects, …)


def load_issue(
    folder: Folder,
    day_text: str | None,
    now: datetime | None = None,
    *,
    summarize_more: bool = True,
    edition: str = "daily",
) -> Issue:
    """Read the config and every source, and build the issue of the date. Writes nothing.

    `summarize_more=False` leaves the items linked as more without a summary (see
    `build_digest`): for the email and the outline, which show them by title.
    `edition="weekly"`: the weekly edition of the date (see `newsletter.weekly`), whose
    `folder` keeps its own state.
    """
    from newsletter.weekly import WEEKLY, edition_folder, select_week, weekly_config

    folder = edition_folder(folder, edition)
    config = load_config(folder.config_path)
    current = (now or datetime.now(config.timezone)).astimezone(config.timezone)
    day = resolve_date(day_text, current)
    gathered = gather(config, current)
    history = read_history(folder.state_dir, day)
    if edition == WEEKLY:
        config = weekly_config(config)
        chosen = select_week(gathered.articles, day, history, config.timezone, current)
    else:
        chosen = select(gathered.articles, day, history, config.timezone, current)
    digest = build_digest(
        chosen, config, day, history.number, gathered.failures, summarize_more=summarize_more
    )
    return Issue(config, folder, digest, issued(digest, chosen), gathered.fetched, gathered.notes)


def read_history(state_dir: Path, day: date) -> History:
    """What earlier real sends recorded, from every ledger of the folder (shards included),
    and the number of the issue of `day`: the recorded one, or one past the latest."""
    sent: set[date] = set()
    recorded: list[tuple[str, str | None, date]] = []
    snapshots: tuple[Article, ...] = ()
    known: int | None = None
    following = 1
    for path in sorted(state_dir.glob("ledger*.sqlite3")):
        # Here, not at the top: a folder that never sent has no ledger to read.
        from newsletter.delivery.ledger import Ledger

        ledger = Ledger(path, readonly=True)
        try:
            dates = ledger.issue_dates()
            sent |= dates
            recorded += ledger.article_keys()
            if day in dates and not snapshots:
                snapshots = tuple(from_snapshot(s) for s in ledger.snapshots(day))
            known = known or ledger.issue_number(day)
            following = max(following, ledger.next_number(day))
        finally:
            ledger.close()
    return History(frozenset(sent), history_keys(recorded), snapshots, known or following)


def record_issue(issue: Issue, ledger: Ledger, now: datetime) -> None:
    """A real send has started: record the issue with its articles, remember the feeds."""
    digest = issue.digest
    ledger.record_issue(digest.date, digest.number, digest.subject, now, rows(issue.articles))
    remember_feeds(issue.config, issue.fetched)
