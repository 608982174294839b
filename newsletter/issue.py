"""The day's issue: config, sources and digest put together for build, preview and send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from newsletter.config import Config, load_config
from newsletter.delivery.ledger import Ledger, ledger_path
from newsletter.digest import build_digest
from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.model import Digest
from newsletter.sources import gather, of_day


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


def load_issue(folder: Folder, day_text: str | None, now: datetime | None = None) -> Issue:
    """Read the config and every source, and build the issue of the date. Writes nothing."""
    config = load_config(folder.config_path)
    current = (now or datetime.now(config.timezone)).astimezone(config.timezone)
    day = resolve_date(day_text, current)
    gathered = gather(config)
    ledger = Ledger(ledger_path(folder.state_dir, None), readonly=True)
    try:
        number = ledger.next_number(day)
    finally:
        ledger.close()
    articles = of_day(gathered.articles, day, config)
    digest = build_digest(articles, config, day, number, gathered.failures)
    return Issue(config, folder, digest)
