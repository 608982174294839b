"""The public surface of `newsletter.subscribers`, as other modules use it."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import newsletter.subscribers as subscribers
from newsletter.errors import InputError, NewsletterError
from newsletter.subscribers.schema import text_problem


def test_exported_members() -> None:
    """The names other modules import stay importable, sorted, and no others are public."""
    assert subscribers.__all__ == [
        "AddressError",
        "AlreadySubscribedError",
        "InvalidSubscriberError",
        "UnknownSubscriberError",
        "UnsafeEditError",
        "add",
        "default_lock_path",
        "load",
        "normalize_address",
        "remove",
        "set_status",
        "validate",
    ]
    assert sorted(subscribers.__all__) == subscribers.__all__
    for name in subscribers.__all__:
        assert getattr(subscribers, name) is not None


def test_errors_belong_to_the_one_tree() -> None:
    """User mistakes are InputErrors (exit 2); a refused edit is a NewsletterError (exit 1)."""
    for error in (
        subscribers.AddressError,
        subscribers.AlreadySubscribedError,
        subscribers.InvalidSubscriberError,
        subscribers.UnknownSubscriberError,
    ):
        assert issubclass(error, InputError)
    assert issubclass(subscribers.UnsafeEditError, NewsletterError)
    assert subscribers.UnsafeEditError.exit_code == 1


def test_default_lock_path_matches_folder() -> None:
    """The default lock file is the one `Folder.subscribers_lock_path` names."""
    from newsletter.folder import Folder

    folder = Folder(Path("/x"), Path("/x/newsletter.yaml"))
    assert subscribers.default_lock_path(folder.subscribers_path) == folder.subscribers_lock_path


def test_refused_characters_are_exactly_unicode_line_and_control_categories() -> None:
    """A value is refused for exactly the characters of categories Cc, Zl and Zp."""
    every = [chr(n) for n in range(sys.maxunicode + 1)]
    refused = [c for c in every if text_problem(c) is not None]
    assert refused == [c for c in every if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
