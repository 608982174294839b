"""Reads subscriber YAML text into nodes that remember their line and column.

Pure: takes text, returns nodes and problems; never opens files. Syntax errors stop a
YAML parser, so after one the list is cut at its top-level ``- `` lines and each entry
is parsed alone: a file with three broken entries reports all three.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsletter.errors import Problem

_STR = "tag:yaml.org,2002:str"
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, resolving plain values through `plain_tag`."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                return plain_tag(value)
            if implicit[1]:
                return _STR
        return str(super().resolve(kind, value, implicit))


_RESOLVER = yaml.resolver.Resolver()  # the implicit tags of the safe loaders, C or Python
# The resolver tries the patterns filed under a value's first character, and most characters
# have none: a value starting with one of those is text.
_TAGGED_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers)
_PLAIN: dict[str, str] = {}  # value -> tag; a long list repeats its keys and topics


def plain_tag(value: str) -> str:
    """The tag YAML gives the plain (unquoted, untagged) scalar `value`: `yes` is a bool,
    `2024-01-15` a timestamp, `~` a null, and most words str."""
    if value and value[0] not in _TAGGED_FIRST and None not in _TAGGED_FIRST:
        return _STR
    tag = _PLAIN.get(value)
    if tag is None:
        tag = str(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
        if len(_PLAIN) < 10_000:
            _PLAIN[value] = tag
    return tag


# The characters a YAML reader refuses anywhere in a file, even in a comment (PyYAML's
# `Reader.NON_PRINTABLE`; libyaml checks the same set).
_REFUSED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What YAML counts as the end of a line, as its marks do.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LIST_KEY = re.compile(r"subscribers[ \t]*:[ \t]*(#.*)?")
_ITEM = re.compile(r"( *)-(?:[ \t]|$)")


@dataclass
class Tree:
    """The document node (None for an empty file), or entries rescued after a syntax error."""

    root: yaml.Node | None
    problems: list[Problem] = field(default_factory=list)
    rescued: list[yaml.Node] | None = None  # set only when the whole document did not parse
    # Lines holding a character YAML refuses. Such a character is read as a space, so the
    # nodes keep their places; the file is not YAML until it is removed.
    refused: frozenset[int] = frozenset()

    @property
    def parsed(self) -> bool:
        return self.rescued is None


def compose(text: str, path: Path) -> Tree:
    """Parse `text`; every tab in an indentation, every character YAML refuses (the first
    of its line) and every syntax error is a problem."""
    problems = _tabs(text, path)
    refused: frozenset[int] = frozenset()
    if _REFUSED.search(text):
        found = _refused(text, path)
        refused = frozenset(p.line for p in found if p.line is not None)
        problems = sorted([*found, *problems], key=lambda p: (p.line or 0, p.column or 0))
        text = _REFUSED.sub(" ", text)  # one character for one: lines and columns hold
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        first = _syntax_problem(error, path)
        rescued, more = _rescue(text, path)
        if not _same_line(first, more):
            more.append(first)
        problems.extend(p for p in more if not _same_line(p, problems))
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return Tree(None, problems, rescued if rescued is not None else [], refused)
    except yaml.reader.ReaderError as error:  # a character the pattern above let through
        problems.append(_reader_problem(error, text, path))
        return Tree(None, problems, [], refused)
    return Tree(root, problems, refused=refused)


def position(path: Path, node: yaml.Node, message: str) -> Problem:
    """A problem at the start of `node` (lines and columns count from 1)."""
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message)


_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def yaml_lines(text: str, *, keepends: bool = False) -> list[str]:
    """The lines of `text` as YAML numbers them (the marks of PyYAML's errors): CRLF, LF,
    CR, NEL, LS and PS end a line; a form feed or a vertical tab, unlike in
    `str.splitlines`, does not."""
    lines, start = [], 0
    for end in _BREAK.finditer(text):
        lines.append(text[start : end.end() if keepends else end.start()])
        start = end.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def _tabs(text: str, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    if "\t" not in text:
        return problems
    for number, line in enumerate(yaml_lines(text), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            problems.append(
                Problem(
                    path,
                    number,
                    indent.index("\t") + 1,
                    "tab in the indentation; YAML indents with spaces only",
                )
            )
    return problems


def _refused(text: str, path: Path) -> list[Problem]:
    """The first character YAML refuses on each line that holds one."""
    problems: list[Problem] = []
    line, line_start, searched = 1, 0, 0
    for found in _REFUSED.finditer(text):
        for end in _BREAK.finditer(text, searched, found.start()):
            line, line_start = line + 1, end.end()
        searched = found.end()
        if problems and problems[-1].line == line:
            continue
        column = found.start() - line_start + 1
        problems.append(Problem(path, line, column, refused_message(found[0])))
    return problems


def refused_message(char: str) -> str:
    """What to say of `char`, a character YAML refuses."""
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char) != "Cc":
        return f"character {code} is not allowed in YAML, even in a comment; remove it"
    message = f"control character {code}; YAML allows none, even in a comment: remove it"
    if char == "\x00":
        message += " (a file full of them was saved as UTF-16: save it as UTF-8)"
    return message


def _reader_problem(error: yaml.reader.ReaderError, text: str, path: Path) -> Problem:
    # `error.position` counts characters with the Python reader but UTF-8 bytes with
    # libyaml, so the character is looked up in the text instead.
    char = chr(error.character) if isinstance(error.character, int) else str(error.character)
    at = text.find(char) if char else -1
    if at < 0:
        return Problem(path, None, None, refused_message(char or "\x00"))
    line = len(_BREAK.findall(text, 0, at)) + 1
    start = max((m.end() for m in _BREAK.finditer(text, 0, at)), default=0)
    return Problem(path, line, at - start + 1, refused_message(char))


def _same_line(problem: Problem, others: list[Problem]) -> bool:
    return any(o.line == problem.line for o in others)


def _syntax_problem(error: yaml.MarkedYAMLError, path: Path) -> Problem:
    mark = error.problem_mark or error.context_mark
    what = error.problem or error.context or "not valid YAML"
    if "'\\t'" in what:
        what = "a tab where YAML expects spaces"
    if error.context == "while scanning a quoted scalar" and error.context_mark:
        mark = error.context_mark  # the opening quote, not the end of the file
        return Problem(
            path,
            mark.line + 1,
            mark.column + 1,
            "YAML syntax error: this quoted value is never closed; add the closing quote",
        )
    message = f"YAML syntax error: {what}"
    if error.context and error.context_mark and error.problem_mark:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    message += "; check the indentation and quoting here and on the line above"
    if mark is None:
        return Problem(path, None, None, message)
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _rescue(text: str, path: Path) -> tuple[list[yaml.Node] | None, list[Problem]]:
    """Parse each top-level entry of the `subscribers:` list on its own.

    Every other line is blanked, so marks keep the line and column of the whole file.
    Returns None when the list cannot be found, and then only the first error counts.
    """
    lines = yaml_lines(text, keepends=True)
    start = next((n for n, line in enumerate(lines) if _LIST_KEY.fullmatch(line.rstrip())), None)
    if start is None:
        return None, []
    items = [(n, m[1]) for n in range(start + 1, len(lines)) if (m := _ITEM.match(lines[n]))]
    if not items:
        return None, []
    indent = min(len(spaces) for _, spaces in items)
    starts = [n for n, spaces in items if len(spaces) == indent]
    entries: list[yaml.Node] = []
    problems: list[Problem] = []
    for begin, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        chunk = "\n" * begin + "".join(lines[begin:end])
        try:
            node = yaml.compose(chunk, Loader=_Loader)
        except yaml.MarkedYAMLError as error:
            problems.append(_syntax_problem(error, path))
            continue
        if isinstance(node, yaml.SequenceNode):
            entries.extend(node.value)
    return entries, problems
