"""Reads subscribers.yaml in its usual shape straight into Subscribers, without YAML nodes.

Pure: takes text, returns subscribers or None; never opens files. A file is read here when
every line is one of these (any indentation of the list, comments and blank lines anywhere):

    subscribers:                   # at column 0, after nothing but comments (or `---`)
      - email: ada@example.com     # an entry: every dash in one column
        name: 'Ada Lovelace'       # more keys, each in the column of the first
        topics: [science, tech]    # a list of scalars, in brackets or as deeper `- x` lines
        fields: {city: London}     # a mapping of scalars, in braces or as deeper lines

where every value is a one-line plain, 'single' or "double" quoted scalar. The values are
checked with the rules of `schema` (the same functions the node walk calls), and entries
with the same address are refused as there.

Anything else returns None: another YAML construct (anchors, tags, multi-line or block
scalars, an unusual indentation), a key twice, a value the rules refuse, or an address
listed twice. The caller then reads the file the full way, which reports each problem at
its line. So this module decides only "clean and simple"; it never words a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from newsletter.model import Subscriber
from newsletter.subscribers.addresses import address_key
from newsletter.subscribers.nodes import plain_tag
from newsletter.subscribers.schema import (
    SCALAR_RULES,
    STR,
    build_subscriber,
    field_name,
    field_value,
    topic_value,
)

__all__ = ["read_simple"]

# Characters that are not printable YAML, and line breaks other than \n (\r of CRLF is
# dropped first): a file holding one is not in the usual shape. Looked for once in the
# whole text, so that the patterns below need not exclude them in every character class
# (compiling those classes took most of this module's import: 60 ms against 9).
_UNUSUAL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# One-line scalars. A plain one starts with no indicator (but `-` before a non-space), holds
# no `#`, and no `:` but one followed by a non-space; in brackets or braces, no `,[]{}`
# and no `:` at all.
_START = r"[^ \n\-?:,\[\]{}#&*!|>'\"%@`]"
_PLAIN = rf"(?:{_START}|-(?=[^ \n]))(?:[^ \n#:]++|:(?=[^ \n])|[ ]++(?=[^ \n#:]))*+"
_FLOW = r"[^ \n#:,\[\]{}]"  # a character of a plain scalar in brackets or braces
_FLOW_PLAIN = rf"(?:{_START}|-(?={_FLOW}))(?:{_FLOW}++|[ ]++(?={_FLOW}))*+"
_SINGLE = r"'(?:[^'\n]++|'')*+'"
_DOUBLE = r'"(?:[^"\\\n]++|\\[^\n])*+"'
_KEY = r"[A-Za-z_][A-Za-z0-9_]{0,99}"
_ITEM = f"(?:{_FLOW_PLAIN}|{_SINGLE}|{_DOUBLE})"
_SEQ = rf"\[[ ]*+(?:{_ITEM}[ ]*+(?:,[ ]*+{_ITEM}[ ]*+)*+)?\]"
_MAP = rf"\{{[ ]*+(?:{_KEY}:[ ]++{_ITEM}[ ]*+(?:,[ ]*+{_KEY}:[ ]++{_ITEM}[ ]*+)*+)?\}}"
_SCALAR = f"{_PLAIN}|{_SINGLE}|{_DOUBLE}"
_COMMENT = r"\#[^\n]*+"
_TRAIL = rf"(?:[ ]++{_COMMENT}|[ ]*+)"  # spaces, or a comment after at least one
_LINE = re.compile(
    rf"([ ]*+)(?:(-[ ]++)?({_KEY}):(?:[ ]++({_SCALAR}|{_SEQ}|{_MAP}))?"
    rf"|-[ ]++({_SCALAR})|{_COMMENT})?{_TRAIL}"
)
_START_MARK = re.compile(f"---{_TRAIL}")
_ITEMS = re.compile(_ITEM)
_PAIRS = re.compile(rf"({_KEY}):[ ]++({_ITEM})")

Raw = tuple[str, str]  # a scalar: its tag and text


class Seq(tuple[Raw, ...]):
    """A list of scalars."""


class Map(tuple[tuple[str, Raw], ...]):
    """A mapping of plain keys to scalars, in file order (a key may repeat)."""


Value = Raw | Seq | Map
# A parsed line: (kind, indent, key column, key, value, item). `indent` is the column of
# its first character, dash or key; the key's column is past the dash on an ENTRY_LINE;
# `value` is None when nothing follows the key.
Line = tuple[int, int, int, str | None, Value | None, Raw | None]
# blank or comment, `key: value`, `- key: value` (starts an entry), `- item`
BLANK_LINE, KEY_LINE, ENTRY_LINE, ITEM_LINE = range(4)

_NULL: Raw = (plain_tag(""), "")
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MEMO_SIZE = 20_000  # lines remembered; a long list repeats its names, dates and topics


class _NotSimple(Exception):
    """The text is not in the shape this module reads."""


def read_simple(text: str, *, smtputf8: bool = False) -> tuple[Subscriber, ...] | None:
    """The subscribers of `text` when it has the usual shape and no problem; else None."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if _UNUSUAL.search(text):
        return None
    try:
        return tuple(_Reader(smtputf8).subscribers(_lines(text)))
    except (_NotSimple, ValueError, yaml.YAMLError):  # Refused is a ValueError
        # a value the rules refuse (a custom field of 2024-02-30 among them): the full
        # walk applies the same rules and reports it at its line
        return None


def _lines(text: str, chunk: int = 1 << 16) -> Iterator[str]:
    """`text.split("\n")`, a piece at a time: the lines of a long list take more memory
    than its subscribers."""
    start = 0
    while True:
        end = text.find("\n", start + chunk)
        if end < 0:
            yield from text[start:].split("\n")
            return
        yield from text[start:end].split("\n")
        start = end + 1


class _Reader:
    """Reads the lines of one file into Subscribers, or raises _NotSimple (or Refused)."""

    def __init__(self, smtputf8: bool) -> None:
        self.smtputf8 = smtputf8
        self.lines: dict[str, Line] = {}  # parsed, but for ENTRY_LINEs: those rarely repeat
        self.decided: dict[str, Any] = {}  # what the rule of a KEY_LINE's key made of it
        self.addresses: set[str] = set()  # address_key of every entry so far

    def subscribers(self, rest: Iterator[str]) -> Iterator[Subscriber]:
        self.header(rest)
        entry: dict[str, Any] | None = None  # the current entry's values, by key
        dash = keys = -1  # the column of the entries' dashes, and of the current entry's keys
        nested = _Nested()
        remembered, decided = self.lines.get, self.decided.get
        for text in rest:
            line = remembered(text) or self.line(text)
            kind, indent, column, key, value, _ = line
            if kind == BLANK_LINE:
                continue
            if nested.key is not None:
                if indent > keys:
                    nested.add(line)
                    continue
                assert entry is not None
                self.close(entry, nested)
            if kind == ENTRY_LINE and (indent == dash or dash < 0):
                if entry is not None:
                    yield self.subscriber(entry)
                entry, dash, keys = {}, indent, column
            elif kind != KEY_LINE or indent != keys or entry is None:
                raise _NotSimple
            assert key is not None
            if key in entry:
                raise _NotSimple
            if value is None:
                nested.open(key)
            elif kind == ENTRY_LINE:
                entry[key] = self.decide(key, value)
            else:
                found = decided(text, self)
                if found is self:
                    found = self.decide(key, value)
                    if len(self.decided) < _MEMO_SIZE:
                        self.decided[text] = found
                entry[key] = found
        if entry is None:
            raise _NotSimple
        if nested.key is not None:
            self.close(entry, nested)
        yield self.subscriber(entry)

    def header(self, rest: Iterator[str]) -> None:
        """Skip to past `subscribers:`: comments, blank lines and one `---` may come first."""
        marked = False
        for text in rest:
            if not marked and _START_MARK.fullmatch(text):
                marked = True
                continue
            kind, indent, _, key, value, _ = self.line(text)
            if kind == BLANK_LINE:
                continue
            if (kind, indent, key, value) != (KEY_LINE, 0, "subscribers", None):
                raise _NotSimple
            return
        raise _NotSimple

    def line(self, text: str) -> Line:
        """`text` parsed, and remembered unless it starts an entry."""
        line = self.lines.get(text)
        if line is None:
            line = _line(text)
            if line[0] != ENTRY_LINE and len(self.lines) < _MEMO_SIZE:
                self.lines[text] = line
        return line

    def close(self, entry: dict[str, Any], nested: _Nested) -> None:
        key, value = nested.close()
        entry[key] = self.decide(key, value)

    def decide(self, key: str, value: Value) -> Any:
        """What the rule of `key` makes of `value`; Refused, or _NotSimple for a value of a
        shape the key does not take."""
        if isinstance(value, Seq):
            if key != "topics":
                raise _NotSimple
            return frozenset([topic_value(tag, text) for tag, text in value])
        if isinstance(value, Map):
            if key != "fields":
                raise _NotSimple
            return _fields(value)
        rule = SCALAR_RULES.get(key)
        if rule is None:  # an unknown key
            raise _NotSimple
        return rule(value[0], value[1], self.smtputf8)

    def subscriber(self, entry: dict[str, Any]) -> Subscriber:
        email = entry.get("email")
        if email is None:
            raise _NotSimple
        key = address_key(email)
        if key in self.addresses:
            raise _NotSimple
        self.addresses.add(key)
        return build_subscriber(entry)


def _fields(pairs: Map) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (tag, text) in pairs:
        if name in fields or plain_tag(name) != STR:
            raise _NotSimple
        found = field_value(tag, text, name)
        fields[field_name(name)] = found
    return fields


class _Nested:
    """The deeper lines under a key written with no value: `- x` items, or `key: x` lines."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.items: list[Any] = []
        self.indent = -1

    def open(self, key: str) -> None:
        self.key, self.items, self.indent = key, [], -1

    def add(self, line: Line) -> None:
        kind, indent, _, key, value, item = line
        if self.indent < 0:
            self.indent = indent
        if indent != self.indent:
            raise _NotSimple
        if self.key == "topics" and kind == ITEM_LINE:
            self.items.append(item)
        elif self.key == "fields" and kind == KEY_LINE and not isinstance(value, Seq | Map):
            self.items.append((key, _NULL if value is None else value))
        else:
            raise _NotSimple

    def close(self) -> tuple[str, Value]:
        """The key and its value: a Seq or Map of the lines, or null when there were none."""
        key, items, self.key = self.key, self.items, None
        assert key is not None
        if not items:
            return key, _NULL
        return key, Seq(items) if key == "topics" else Map(items)


def _line(text: str) -> Line:
    match = _LINE.fullmatch(text)
    if match is None:
        raise _NotSimple
    spaces, dash, key, value, item = match.groups()
    indent = len(spaces)
    if key is not None:
        parsed = None if value is None else _value(value)
        if dash:
            return (ENTRY_LINE, indent, indent + len(dash), key, parsed, None)
        return (KEY_LINE, indent, indent, key, parsed, None)
    if item is not None:
        return (ITEM_LINE, indent, indent, None, None, _scalar(item))
    return (BLANK_LINE, indent, indent, None, None, None)


def _value(token: str) -> Value:
    if token[0] == "[":
        return Seq([_scalar(item) for item in _ITEMS.findall(token)])
    if token[0] == "{":
        return Map([(key, _scalar(item)) for key, item in _PAIRS.findall(token)])
    return _scalar(token)


def _scalar(token: str) -> Raw:
    first = token[0]
    if first == "'":
        return (STR, token[1:-1].replace("''", "'"))
    if first == '"':
        return (STR, token[1:-1] if "\\" not in token else _escaped(token))
    return (plain_tag(token), token)


def _escaped(token: str) -> str:
    """A double-quoted scalar with backslash escapes, decoded by the YAML parser itself."""
    try:
        value = yaml.load(token, Loader=_SafeLoader)
    except yaml.YAMLError:
        raise _NotSimple from None
    if not isinstance(value, str):
        raise _NotSimple
    return value
