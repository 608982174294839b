"""Reads subscriber YAML text into nodes that remember their line and column.

Pure: takes text, returns nodes and problems; never opens files. Syntax errors stop a
YAML parser, so after one the list is cut at its top-level ``- `` lines and each entry
is parsed alone: a file with three broken entries reports all three.
"""

from __future__ import annotations

import re
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


_LIST_KEY = re.compile(r"subscribers[ \t]*:[ \t]*(#.*)?")
_ITEM = re.compile(r"( *)-(?:[ \t]|$)")


@dataclass
class Tree:
    """The document node (None for an empty file), or entries rescued after a syntax error."""

    root: yaml.Node | None
    problems: list[Problem] = field(default_factory=list)
    rescued: list[yaml.Node] | None = None  # set only when the whole document did not parse

    @property
    def parsed(self) -> bool:
        return self.rescued is None


def compose(text: str, path: Path) -> Tree:
    """Parse `text`; every tab in an indentation and every syntax error is a problem."""
    problems = _tabs(text, path)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        first = _syntax_problem(error, path)
        rescued, more = _rescue(text, path)
        if not _same_line(first, more):
            more.append(first)
        problems.extend(p for p in more if not _same_line(p, problems))
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return Tree(None, problems, rescued if rescued is not None else [])
    return Tree(root, problems)


def position(path: Path, node: yaml.Node, message: str) -> Problem:
    """A problem at the start of `node` (lines and columns count from 1)."""
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _tabs(text: str, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    if "\t" not in text:
        return problems
    for number, line in enumerate(text.splitlines(), start=1):
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
    lines = text.splitlines(keepends=True)
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
