"""The edits other code calls: add, remove, set_status. Each one is locked, read back and
written atomically, and leaves the rest of the file byte for byte as it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from newsletter.errors import SubscriberFileError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers import edit
from newsletter.subscribers.addresses import address_key, normalize_address
from newsletter.subscribers.errors import (
    AddressError,
    AlreadySubscribedError,
    UnknownSubscriberError,
    UnsafeEditError,
)
from newsletter.subscribers.parse import HINT, Scan, no_gc, read_text, scan_text
from newsletter.subscribers.schema import Entry, make_subscriber
from newsletter.subscribers.store import locked, write_atomic

# What an entry must read back as: its (key, subscriber), or a test of them.
Expected = tuple[str | None, Subscriber | None] | Callable[[str | None, Subscriber | None], bool]


def set_status(
    path: Path,
    email: str,
    status: Status,
    *,
    lock_path: Path | None = None,
    note: str | None = None,
) -> bool:
    """Give `email` the status `status`; True if that changed the file, False if it had it.

    Works even when other entries have problems, so an unsubscribe is never held up by a
    typo elsewhere. UnknownSubscriberError if the address is not in the file.

    `note` (say "bounced 2026-12-07: 5.1.1 user unknown") is written as a comment after
    the new value, in a block entry whose status line has no comment of the reader's; a
    later change of status takes such a note away again.
    """
    status = Status(status)
    with locked(path, lock_path), no_gc():
        scan = scan_for_edit(path, missing_ok=False)
        targets = _find(scan, email)
        todo = [e for e in targets if e.subscriber is None or e.subscriber.status is not status]
        if not todo:
            return False
        splices = [
            _with_note(scan.text, e.node, splice, note)
            for e in todo
            for splice in edit.set_key(scan.text, e.node, "status", status.value)
        ]

        def expect(entry: Entry) -> Expected:
            if entry not in todo:
                return (entry.key, entry.subscriber)
            if entry.subscriber is not None:
                return (entry.key, dataclasses.replace(entry.subscriber, status=status))
            # a broken entry may become valid (say `status: actve` fixed), never otherwise
            return lambda key, sub: key == entry.key and (sub is None or sub.status is status)

        new = edit.apply(scan.text, splices)
        write_checked(path, scan, new, [expect(e) for e in scan.checked.entries])
        return True


# A note `set_status` wrote: "# bounced 2026-12-07: …" and the like.
_NOTE = re.compile(r"#\s*(?:bounced|complained|unsubscribed|soft-bounced) \d{4}-\d{2}-\d{2}\b")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def _with_note(text: str, entry: yaml.Node, splice: edit.Splice, note: str | None) -> edit.Splice:
    """`splice` (the new status value) with `note` after it on its line, replacing an
    earlier note of ours; without `note`, taking an earlier note of ours away."""
    if not isinstance(entry, yaml.MappingNode) or entry.flow_style:
        return splice
    comment = f"  # {' '.join(_UNPRINTABLE.sub(' ', note).split())[:160]}" if note else ""
    if splice.start != splice.end and splice.text.endswith("\n"):  # a value over lines
        return splice
    if splice.start == splice.end and splice.text.endswith("\n"):  # a new `status:` line
        line_end = "\r\n" if splice.text.endswith("\r\n") else "\n"
        return edit.Splice(
            splice.start, splice.end, splice.text[: -len(line_end)] + comment + line_end
        )
    eol = text.find("\n", splice.end)
    eol = len(text) if eol < 0 else eol
    if eol > splice.end and text[eol - 1] == "\r":
        eol -= 1
    rest = text[splice.end : eol]
    if rest.strip() and not _NOTE.match(rest.strip()):
        return splice  # the reader's own comment stays, and no note is added
    if not rest.strip() and not comment:
        return splice
    return edit.Splice(splice.start, eol, splice.text + comment)


def add(
    path: Path,
    email: str,
    *,
    name: str | None = None,
    topics: Iterable[str] = (),
    format: Format = Format.HTML,
    fields: Mapping[str, Any] | None = None,
    joined: date | None = None,
    lock_path: Path | None = None,
    smtputf8: bool = False,
) -> Subscriber:
    """Append a new active subscriber and return it as stored (address normalized).

    AlreadySubscribedError if the address is in the file, whatever its status: an
    unsubscribed reader comes back only through `set_status` (`subscribers resubscribe`).
    The file is created if missing; a file with problems is refused untouched.
    """
    subscriber = make_subscriber(
        email,
        name=name,
        topics=topics,
        format=format,
        joined=joined,
        fields=fields,
        smtputf8=smtputf8,
    )
    with locked(path, lock_path), no_gc():
        scan = scan_for_edit(path, missing_ok=True, smtputf8=smtputf8, strict=True)
        key = address_key(subscriber.email)
        for entry in scan.checked.entries:
            if entry.key == key and entry.subscriber is not None:
                line = entry.node.start_mark.line + 1
                message = f"{entry.subscriber.email} is already in {path} (line {line})"
                if entry.subscriber.active:
                    raise AlreadySubscribedError(f"{message}; nothing to add")
                raise AlreadySubscribedError(
                    f"{message}, {entry.subscriber.status.value}; "
                    "`newsletter subscribers resubscribe` makes it active again"
                )
        new = edit.apply(scan.text, edit.append(scan.text, scan.checked, [subscriber]))
        expected: list[Expected] = [(e.key, e.subscriber) for e in scan.checked.entries]
        write_checked(path, scan, new, [*expected, (key, subscriber)], smtputf8=smtputf8)
    return subscriber


def remove(path: Path, email: str, *, lock_path: Path | None = None) -> bool:
    """Delete the entry of `email` (its lines, with the comments inside it); False if absent.

    Comment lines above the entry stay: they may be about the entries around it.
    """
    with locked(path, lock_path), no_gc():
        try:
            scan = scan_for_edit(path, missing_ok=False)
        except SubscriberFileError:
            if not path.exists():
                return False
            raise
        try:
            targets = _find(scan, email)
        except UnknownSubscriberError:
            return False
        splices = [s for e in targets for s in edit.delete(scan.text, scan.checked, e)]
        kept: list[Expected] = [
            (e.key, e.subscriber) for e in scan.checked.entries if e not in targets
        ]
        write_checked(path, scan, edit.apply(scan.text, splices), kept)
        return True


def lookup_key(email: str) -> str:
    """The identity of `email` for lookups: normalized when valid, else as written."""
    try:
        return address_key(normalize_address(email.strip(), smtputf8=True))
    except AddressError:
        return email.strip().casefold()


def _find(scan: Scan, email: str) -> list[Entry]:
    key = lookup_key(email)
    found = [e for e in scan.checked.entries if (e.key or _raw_email(e)) == key]
    if not found:
        raise UnknownSubscriberError(
            f"{email} is not in {scan.path}; `newsletter subscribers list` shows who is"
        )
    return found


def _raw_email(entry: Entry) -> str | None:
    if isinstance(entry.node, yaml.MappingNode):
        for key, value in entry.node.value:
            if key.value == "email" and isinstance(value, yaml.ScalarNode):
                return str(value.value).strip().casefold()
    return None


def scan_for_edit(
    path: Path, *, missing_ok: bool, smtputf8: bool = True, strict: bool = False
) -> Scan:
    """Read and check the file before an edit. Editing needs a file that parses and holds
    no character YAML refuses; `strict` edits (adding) need one without any problem."""
    text = "" if missing_ok and not path.exists() else read_text(path)
    scan = scan_text(text, path, smtputf8=smtputf8)
    if not scan.tree.parsed or scan.tree.refused or (strict and scan.problems):
        raise SubscriberFileError(scan.problems, f"Nothing was changed. {HINT}")
    if scan.checked.root is not None and scan.checked.seq is None:
        raise SubscriberFileError(scan.problems, f"Nothing was changed. {HINT}")
    return scan


def write_checked(
    path: Path, before: Scan, text: str, expected: list[Expected], **options: bool
) -> None:
    """Read `text` back; write it only if it holds exactly the expected entries and no
    problem the file did not already have."""
    after = scan_text(text, path, smtputf8=options.get("smtputf8", True))
    got = [(e.key, e.subscriber) for e in after.checked.entries]
    same = after.tree.parsed and len(got) == len(expected)
    same = same and all(
        want(*have) if callable(want) else want == have
        for want, have in zip(expected, got, strict=False)
    )
    if not same or len(after.problems) > len(before.problems):
        raise UnsafeEditError(
            f"{path}: the edit did not read back as intended, so nothing was written; "
            "make this change by hand"
        )
    write_atomic(path, text)
