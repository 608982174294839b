"""newsletter: a daily digest emailer.

The data flows one way, and so does the layout:
sources/ → content/ → digest.py → render.py → personal.py + message.py → delivery/ → ledger.

    >>> from newsletter import load_issue, locate, send_issue, SendRequest
    >>> report = send_issue(locate("my-letter"), SendRequest(dry_run=True))  # doctest: +SKIP
"""

from __future__ import annotations

from newsletter.errors import InputError, NewsletterError
from newsletter.folder import Folder, locate
from newsletter.model import Article, Digest, Item, Section, Subscriber

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Digest",
    "Folder",
    "InputError",
    "Item",
    "NewsletterError",
    "Section",
    "SendReport",
    "SendRequest",
    "Subscriber",
    "build_digest",
    "load_issue",
    "locate",
    "send_issue",
]


def __getattr__(name: str) -> object:
    # The heavier entry points load on first use, so `newsletter --help` stays quick.
    if name in ("send_issue", "SendRequest", "SendReport"):
        from newsletter import send

        return getattr(send, name)
    if name == "load_issue":
        from newsletter.issue import load_issue

        return load_issue
    if name == "build_digest":
        from newsletter.digest import build_digest

        return build_digest
    raise AttributeError(name)
