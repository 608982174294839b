"""Reading subscribers.yaml: `load` for the pipeline, `validate` for the editor.

Both report every problem at once as ``path:line:col: message``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import Problem, SubscriberFileError
from newsletter.model import Subscriber
from newsletter.subscribers.nodes import Tree, compose
from newsletter.subscribers.schema import Checked, check_document, check_entries
from newsletter.subscribers.simple import read_simple

HINT = "Run `newsletter subscribers validate` to see every problem, fix them, and try again."


@dataclass
class Scan:
    """A file read and checked: its text, its nodes and what they hold."""

    path: Path
    text: str
    tree: Tree
    checked: Checked

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems


def read_text(path: Path) -> str:
    """The file's text exactly as stored (line ends kept); SubscriberFileError if unreadable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SubscriberFileError(
            [Problem(path, None, None, "no such file")],
            "Create it with `newsletter subscribers add EMAIL`, or by hand.",
        ) from None
    except OSError as error:
        raise SubscriberFileError(
            [Problem(path, None, None, f"cannot read: {error.strerror}")]
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SubscriberFileError(
            [Problem(path, line, column, "not UTF-8 text; save the file as UTF-8")]
        ) from None


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cycle collector while a file's nodes are built and checked."""
    # Building a few hundred thousand nodes sets off the cycle collector again and again,
    # which makes a large file several times slower to read. Nodes hold no cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan_text(text: str, path: Path, *, smtputf8: bool = False) -> Scan:
    """Parse and check `text` as the content of `path`."""
    tree = compose(text, path)
    if tree.parsed:
        checked = check_document(tree.root, path, smtputf8=smtputf8)
    else:
        problems: list[Problem] = []
        entries = check_entries(tree.rescued or [], path, problems, smtputf8=smtputf8)
        checked = Checked(None, None, entries, problems)
    if tree.refused:
        # Such a line was read with the character as a space: what else is found there may
        # come from that space, so only the character is reported.
        checked.problems[:] = [p for p in checked.problems if p.line not in tree.refused]
    checked.problems[:0] = tree.problems
    checked.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return Scan(path, text, tree, checked)


def validate(path: Path, *, smtputf8: bool = False) -> list[Problem]:
    """Every problem in the file, in file order; an empty list when it is fine."""
    try:
        text = read_text(path)
    except SubscriberFileError as error:
        return error.problems
    with no_gc():  # the nodes go before the collector comes back
        return scan_text(text, path, smtputf8=smtputf8).problems


def load(path: Path, *, smtputf8: bool = False) -> tuple[Subscriber, ...]:
    """The subscribers of `path`, in file order; SubscriberFileError listing every problem.

    >>> for s in load(folder.subscribers_path):
    ...     if s.active: ...

    A file in the usual shape with no problem is read without building YAML nodes
    (`simple.read_simple`); any other goes the full way (`load_full`), which finds and
    places every problem. Both give equal subscribers.
    """
    text = read_text(path)
    with no_gc():  # a long list makes many objects, none of them in a cycle
        subscribers = read_simple(text, smtputf8=smtputf8)
    if subscribers is not None:
        return subscribers
    return _load_text(text, path, smtputf8)


def load_full(path: Path, *, smtputf8: bool = False) -> tuple[Subscriber, ...]:
    """`load` by the full node walk alone, for every file: what `load` falls back to."""
    return _load_text(read_text(path), path, smtputf8)


def _load_text(text: str, path: Path, smtputf8: bool) -> tuple[Subscriber, ...]:
    with no_gc():  # the nodes go before the collector comes back
        scan = scan_text(text, path, smtputf8=smtputf8)
        problems, subscribers = scan.problems, scan.checked.subscribers
        del scan
    if problems:
        raise SubscriberFileError(problems, HINT)
    return subscribers
