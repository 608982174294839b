"""Library edits on unusual layouts: each changes only what it must, or nothing at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from newsletter.errors import SubscriberFileError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers import (
    AlreadySubscribedError,
    InvalidSubscriberError,
    UnknownSubscriberError,
    UnsafeEditError,
    add,
    load,
    remove,
    set_status,
    validate,
)
from newsletter.subscribers.store import locked


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "subscribers.yaml"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "subscribers:\n  - email: new@example.com\n"),
        ("# readers\n", "# readers\nsubscribers:\n  - email: new@example.com\n"),
        ("# readers", "# readers\nsubscribers:\n  - email: new@example.com\n"),
        ("subscribers:\n", "subscribers:\n  - email: new@example.com\n"),
        (
            "subscribers: []  # none yet\n",
            "subscribers:   # none yet\n  - email: new@example.com\n",
        ),
        ("subscribers: ~\n", "subscribers: \n  - email: new@example.com\n"),
        ("subscribers: []", "subscribers: \n  - email: new@example.com\n"),
        (
            "subscribers: [{email: a@example.com}]\n",
            "subscribers: [{email: a@example.com}, {email: new@example.com}]\n",
        ),
        ("{subscribers: []}\n", "{subscribers: [{email: new@example.com}]}\n"),
        (
            "subscribers:\n- email: a@example.com\n  name: A\n",
            "subscribers:\n- email: a@example.com\n  name: A\n- email: new@example.com\n",
        ),
        (
            "subscribers:\n    - email: a@example.com\n",
            "subscribers:\n    - email: a@example.com\n    - email: new@example.com\n",
        ),
        (
            "subscribers:\n  - email: a@example.com\n    # city: Oslo\n  # next\n",
            "subscribers:\n  - email: a@example.com\n    # city: Oslo\n"
            "  - email: new@example.com\n  # next\n",
        ),
        (
            "subscribers:\n  - email: a@example.com\n    name: >-\n      Ada\n\n# end\n",
            "subscribers:\n  - email: a@example.com\n    name: >-\n      Ada\n\n"
            "  - email: new@example.com\n# end\n",
        ),
        (
            "subscribers:\r\n  - email: a@example.com\r\n",
            "subscribers:\r\n  - email: a@example.com\r\n  - email: new@example.com\r\n",
        ),
        (
            "subscribers:\n  - email: a@example.com",
            "subscribers:\n  - email: a@example.com\n  - email: new@example.com\n",
        ),
    ],
)
def test_add_in_every_layout(before: str, after: str, path: Path) -> None:
    """`add` appends in the list's own style (indent, flow or block, line ends) and nothing
    else moves; an empty or comment-only file gets a `subscribers:` list."""
    write(path, before)
    add(path, "new@example.com")
    assert read(path) == after
    assert load(path)[-1] == Subscriber(email="new@example.com")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "subscribers:\n  - email: a@example.com\n    status: active\n",
            "subscribers:\n  - email: a@example.com\n    status: unsubscribed\n",
        ),
        (
            'subscribers:\n  - email: a@example.com\n    status: "active"  # x\n',
            'subscribers:\n  - email: a@example.com\n    status: "unsubscribed"  # x\n',
        ),
        (
            "subscribers:\n  - email: a@example.com  # hi\n",
            "subscribers:\n  - email: a@example.com  # hi\n    status: unsubscribed\n",
        ),
        (
            "subscribers:\n  -\n    email: a@example.com\n\n  # next\n",
            "subscribers:\n  -\n    email: a@example.com\n    status: unsubscribed\n\n  # next\n",
        ),
        (
            "subscribers:\n  - {email: a@example.com}\n",
            "subscribers:\n  - {email: a@example.com, status: unsubscribed}\n",
        ),
        (
            "subscribers: [{email: a@example.com, status: active}]\n",
            "subscribers: [{email: a@example.com, status: unsubscribed}]\n",
        ),
        (
            "subscribers:\n  - email: a@example.com\n    fields:\n      note: |\n        hi\n",
            "subscribers:\n  - email: a@example.com\n    fields:\n      note: |\n        hi\n"
            "    status: unsubscribed\n",
        ),
        (
            "subscribers:\r\n  - email: a@example.com\r\n",
            "subscribers:\r\n  - email: a@example.com\r\n    status: unsubscribed\r\n",
        ),
        (
            "subscribers:\n  - email: a@example.com\n    status:\n",
            "subscribers:\n  - email: a@example.com\n    status: unsubscribed\n",
        ),
    ],
)
def test_set_status_in_every_layout(before: str, after: str, path: Path) -> None:
    """`set_status` replaces the old value in place (quotes and comment kept) or adds one
    line in the entry's indentation, whatever the layout."""
    write(path, before)
    assert set_status(path, "a@example.com", Status.UNSUBSCRIBED) is True
    assert read(path) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "subscribers:\n  - email: a@example.com\n  - email: b@example.com\n",
            "subscribers:\n  - email: b@example.com\n",
        ),
        ("subscribers:\n  - email: a@example.com\n", "subscribers:\n"),
        (
            "subscribers:\n  - email: b@example.com\n  # about a\n  - email: a@example.com\n"
            "    name: A  # inside\n    # also inside\n  # after, at the dash\n# end\n",
            "subscribers:\n  - email: b@example.com\n  # about a\n  # after, at the dash\n# end\n",
        ),
        (
            "subscribers: [{email: a@example.com}, {email: b@example.com}]\n",
            "subscribers: [{email: b@example.com}]\n",
        ),
        (
            "subscribers: [{email: b@example.com}, {email: a@example.com}]\n",
            "subscribers: [{email: b@example.com}]\n",
        ),
        ("subscribers: [{email: a@example.com}]\n", "subscribers: []\n"),
        (
            "subscribers:\n\n  - email: b@example.com\n\n  - email: a@example.com\n\n"
            "  - email: c@example.com\n",
            "subscribers:\n\n  - email: b@example.com\n\n  - email: c@example.com\n",
        ),
    ],
)
def test_remove_in_every_layout(before: str, after: str, path: Path) -> None:
    """`remove` deletes the entry's own lines (or its item of a flow list) and no more;
    a comment line above it stays, and blank-line separation stays even."""
    write(path, before)
    assert remove(path, "A@example.com") is True
    assert read(path) == after


def test_set_status_reports_whether_it_changed(path: Path) -> None:
    """Setting the status a subscriber already has leaves the file untouched."""
    write(path, "subscribers:\n  - email: a@example.com  # x\n")
    before = os.stat(path)
    assert set_status(path, "a@example.com", Status.ACTIVE) is False
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns


def test_unsubscribe_goes_through_despite_problems_elsewhere(path: Path) -> None:
    """A typo in one entry never blocks another reader's unsubscribe."""
    write(path, "subscribers:\n  - email: a@example.com\n  - email: b@example.com\n    staus: x\n")
    assert set_status(path, "a@example.com", Status.UNSUBSCRIBED) is True
    assert "status: unsubscribed" in read(path)
    assert len(validate(path)) == 1


def test_set_status_fixes_a_broken_status(path: Path) -> None:
    """An entry whose status is misspelled can still be given a valid one."""
    write(path, "subscribers:\n  - email: a@example.com\n    status: actve\n")
    assert set_status(path, "a@example.com", Status.UNSUBSCRIBED) is True
    assert validate(path) == []


def test_unknown_address_is_an_error(path: Path) -> None:
    """Unsubscribing someone absent raises UnknownSubscriberError; remove returns False."""
    write(path, "subscribers:\n  - email: a@example.com\n")
    with pytest.raises(UnknownSubscriberError):
        set_status(path, "b@example.com", Status.UNSUBSCRIBED)
    assert remove(path, "b@example.com") is False
    assert remove(path.with_name("missing.yaml"), "b@example.com") is False


def test_add_refuses_a_known_address_in_any_case(path: Path) -> None:
    """`add` of an address already listed (in another case, or unsubscribed) changes nothing."""
    text = "subscribers:\n  - email: Ada@example.com\n    status: unsubscribed\n"
    write(path, text)
    with pytest.raises(AlreadySubscribedError, match="resubscribe"):
        add(path, "ada@EXAMPLE.com")
    assert read(path) == text


def test_add_refuses_to_touch_a_file_with_problems(path: Path) -> None:
    """`add` on a file with any problem raises SubscriberFileError and writes nothing."""
    text = "subscribers:\n  - email: a@example.com\n    staus: x\n"
    write(path, text)
    with pytest.raises(SubscriberFileError):
        add(path, "b@example.com")
    assert read(path) == text


def test_syntax_error_blocks_every_edit(path: Path) -> None:
    """A file that does not parse is never edited: the edit could land anywhere."""
    text = 'subscribers:\n  - email: a@example.com\n    name: "A\n'
    write(path, text)
    for edit in (
        lambda: set_status(path, "a@example.com", Status.UNSUBSCRIBED),
        lambda: remove(path, "a@example.com"),
        lambda: add(path, "b@example.com"),
    ):
        with pytest.raises(SubscriberFileError):
            edit()
    assert read(path) == text


def test_add_stores_what_it_validated(path: Path) -> None:
    """Values that need quoting in YAML read back exactly; control characters are refused."""
    add(
        path,
        "Ada@EXAMPLE.com",
        name="No",
        topics=["tech", "2024"],
        format=Format.TEXT,
        fields={"zip": "00123", "city": "#1: Oslo", "vip": True, "no": "x", "on": 1},
    )
    assert load(path) == (
        Subscriber(
            email="Ada@example.com",
            name="No",
            topics=frozenset({"tech", "2024"}),
            format=Format.TEXT,
            fields={"zip": "00123", "city": "#1: Oslo", "vip": True, "no": "x", "on": 1},
        ),
    )
    with pytest.raises(InvalidSubscriberError, match="line break"):
        add(path, "b@example.com", name="B\r\nBcc: x@example.com")


def test_alias_values_are_not_edited_through(path: Path) -> None:
    """A status given by a YAML alias is left for a person: editing it would change the
    anchor's entry too."""
    text = (
        "subscribers:\n  - email: a@example.com\n    status: &s active\n"
        "  - email: b@example.com\n    status: *s\n"
    )
    write(path, text)
    with pytest.raises(UnsafeEditError):
        set_status(path, "b@example.com", Status.UNSUBSCRIBED)
    assert read(path) == text


def test_anchor_edit_that_would_change_another_entry_is_refused(path: Path) -> None:
    """An edit whose read-back shows another entry changed is not written."""
    text = (
        "subscribers:\n  - email: a@example.com\n    status: &s active\n"
        "  - email: b@example.com\n    status: *s\n"
    )
    write(path, text)
    with pytest.raises(UnsafeEditError):
        set_status(path, "a@example.com", Status.UNSUBSCRIBED)
    assert read(path) == text


def test_write_keeps_mode_and_symlink(tmp_path: Path) -> None:
    """The file keeps its permissions, and a symlinked file stays a symlink to it."""
    real = write(tmp_path / "real.yaml", "subscribers: []\n")
    real.chmod(0o640)
    link = tmp_path / "subscribers.yaml"
    link.symlink_to(real)
    add(link, "a@example.com")
    assert link.is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert "a@example.com" in read(real)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_lock_file_sits_beside_the_file_while_held(path: Path) -> None:
    """The default lock is `.subscribers.yaml.lock`, the path Folder gives the others; it
    is there while a writer holds it and gone afterwards, so an edit leaves no file."""
    lock = path.parent / ".subscribers.yaml.lock"
    with locked(path):
        assert lock.exists()
    assert not lock.exists()
    add(path, "a@example.com")
    assert not lock.exists()
