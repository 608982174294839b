"""The subscriber file format: checks YAML nodes against it and builds Subscriber values.

Pure: nodes and values in, subscribers and problems out; no files. The rules for one value
(`email_value`, `topic_value`, `field_value`...) take its YAML tag and text, so the node
walk here and the plain-text reader in `simple` apply the very same rules.

    subscribers:
      - email: ada@example.com      # required; stored normalized
        name: Ada Lovelace          # optional, one line
        status: active              # active | unsubscribed | bounced (default active)
        topics: [science, tech]     # section keys; none or [] means every section
        format: text                # html | text (default html)
        frequency: weekly           # daily | weekly (default daily)
        joined: 2024-01-15          # YYYY-MM-DD
        fields: {city: London}      # custom values for templates

Any other key is refused, so a typo such as ``staus: unsubscribed`` cannot pass for a
custom field and leave an unsubscribed reader on the list.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from newsletter.errors import Problem
from newsletter.model import Format, Frequency, Status, Subscriber
from newsletter.subscribers.addresses import address_key, normalize_address
from newsletter.subscribers.errors import AddressError, InvalidSubscriberError
from newsletter.subscribers.nodes import position
from newsletter.suggest import did_you_mean

KEYS = ("email", "name", "status", "topics", "format", "joined", "fields", "frequency")
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_TAG = "tag:yaml.org,2002:"
STR, NULL, TIMESTAMP = _TAG + "str", _TAG + "null", _TAG + "timestamp"
_KINDS = {
    STR: "text",
    NULL: "empty",
    _TAG + "bool": "true/false",
    _TAG + "int": "a number",
    _TAG + "float": "a number",
    TIMESTAMP: "a date",
    _TAG + "seq": "a list",
    _TAG + "map": "a mapping",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = yaml.SafeLoader.timestamp_regexp  # what YAML reads as a date, maybe with a time
# Unicode categories Cc (C0, DEL, C1), Zl and Zp: each can end a header line somewhere.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FIELD_SCALARS = (str, int, float, bool, date, type(None))
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})
_T = TypeVar("_T")


@dataclass(eq=False)
class Entry:
    """One item of the `subscribers:` list, valid or not; entries compare by identity."""

    node: yaml.Node
    subscriber: Subscriber | None  # None when the entry has a problem
    key: str | None  # address_key of its email, when the email is valid


@dataclass
class Checked:
    """What the file holds: its entries, the list node they sit in, and every problem."""

    root: yaml.Node | None
    seq: yaml.Node | None  # the value of `subscribers:`: a sequence, or a null scalar
    entries: list[Entry]
    problems: list[Problem]

    @property
    def subscribers(self) -> tuple[Subscriber, ...]:
        return tuple(e.subscriber for e in self.entries if e.subscriber is not None)


class _Bad(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


class Refused(ValueError):
    """A value the file format refuses; the message says why, the caller says where."""


# A value rule: (tag, text, smtputf8) -> the value, or Refused. `text` is None when the YAML
# value is a list or a mapping rather than a scalar.
ValueRule = Callable[[str, str | None, bool], Any]


def check_document(root: yaml.Node | None, path: Path, *, smtputf8: bool = False) -> Checked:
    """Check a whole document; an empty one holds no subscribers."""
    problems: list[Problem] = []
    seq: yaml.Node | None = None
    items: list[yaml.Node] = []
    if root is None:
        return Checked(None, None, [], problems)
    if not isinstance(root, yaml.MappingNode):
        problems.append(
            position(
                path,
                root,
                "the file must start with `subscribers:` followed by a list "
                "of entries such as `- email: ada@example.com`",
            )
        )
        return Checked(root, None, [], problems)
    found = unknown = False
    for key, value in _pairs(root, path, problems, "top-level"):
        if key.value != "subscribers":
            unknown = True
            problems.append(
                position(
                    path,
                    key,
                    _unknown(key.value, ("subscribers",), "top-level key")
                    + "; the file holds only the `subscribers:` list",
                )
            )
            continue
        found = True
        if isinstance(value, yaml.SequenceNode):
            seq = value
            items.extend(value.value)
        elif isinstance(value, yaml.ScalarNode) and value.tag == NULL:
            seq = value
        else:
            problems.append(
                position(
                    path,
                    value,
                    "`subscribers:` must be a list of entries, each starting with `- email:`",
                )
            )
    if not found and not unknown:
        problems.append(position(path, root, "no `subscribers:` list in this file"))
    entries = check_entries(items, path, problems, smtputf8=smtputf8)
    return Checked(root, seq, entries, problems)


def check_entries(
    nodes: Iterable[yaml.Node], path: Path, problems: list[Problem], *, smtputf8: bool = False
) -> list[Entry]:
    """Check each entry and the list as a whole (no address twice); append the problems."""
    entries = []
    first_line: dict[str, int] = {}
    for node in nodes:
        entry = _check_entry(node, path, problems, smtputf8)
        if entry.key is not None:
            email_node = _value_of(node, "email")
            line = email_node.start_mark.line + 1 if email_node is not None else 0
            if entry.key in first_line:
                problems.append(
                    position(
                        path,
                        email_node or node,
                        f"{entry.key} is listed twice (first at line "
                        f"{first_line[entry.key]}); keep one entry",
                    )
                )
                entry.subscriber = None
            else:
                first_line[entry.key] = line
        entries.append(entry)
    return entries


def _check_entry(node: yaml.Node, path: Path, problems: list[Problem], smtputf8: bool) -> Entry:
    if not isinstance(node, yaml.MappingNode):
        message = "each subscriber is a mapping of `key: value` lines"
        if isinstance(node, yaml.ScalarNode) and "@" in node.value:
            message += f"; write `- email: {node.value}`"
        problems.append(position(path, node, message))
        return Entry(node, None, None)
    before = len(problems)
    values: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value in _pairs(node, path, problems, "subscriber"):
        if key_node.value in KEYS:
            values[key_node.value] = (key_node, value)
        else:
            hint = "; custom values go under `fields:`"
            message = _unknown(key_node.value, KEYS, "key") + hint
            problems.append(position(path, key_node, message))
    found: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        if name not in values:
            continue
        value_node = values[name][1]
        try:
            found[name] = check(value_node, path, problems, smtputf8)
        except _Skip:
            pass
        except _Bad as bad:
            problems.append(position(path, bad.node, bad.message))
    email = found.get("email")
    if "email" not in values:
        problems.append(position(path, node, "this subscriber has no `email:`"))
    key = address_key(email) if email is not None else None
    if len(problems) > before or email is None:
        return Entry(node, None, key)
    return Entry(node, build_subscriber(found), key)


def build_subscriber(found: dict[str, Any]) -> Subscriber:
    """The Subscriber of an entry's checked values, by key (each key names a Subscriber
    field); the missing ones take their defaults. `found` is used up."""
    fields = found.get("fields")
    found["fields"] = MappingProxyType(fields) if fields else _NO_FIELDS
    return Subscriber(**found)


def _pairs(
    node: yaml.MappingNode, path: Path, problems: list[Problem], where: str
) -> Iterable[tuple[yaml.ScalarNode, yaml.Node]]:
    """The (key, value) pairs whose key is text, once each; reports the others."""
    seen: dict[str, int] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag == _TAG + "merge":
            problems.append(
                position(path, key, "merge keys (`<<:`) are not supported; write each key out")
            )
            continue
        if not (isinstance(key, yaml.ScalarNode) and key.tag == STR):
            message = f"a {where} key must be a word such as `email`, not {_kind(key)}"
            if isinstance(key, yaml.ScalarNode) and key.value:
                message = (
                    f"the {where} key `{key.value}` reads as {_kind(key)} in YAML; "
                    f'put it in quotes: "{key.value}":'
                )
            problems.append(position(path, key, message))
            continue
        if key.value in seen:
            problems.append(
                position(
                    path,
                    key,
                    f"duplicate key `{key.value}` (first at line "
                    f"{seen[key.value]}); YAML would keep only the last one",
                )
            )
            continue
        seen[key.value] = key.start_mark.line + 1
        yield key, value


def _value_of(node: yaml.Node, name: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value  # type: ignore[no-any-return]
    return None


def _kind(node: yaml.Node) -> str:
    return _kind_of(node.tag)


def _kind_of(tag: str) -> str:
    return _KINDS.get(tag, f"a value tagged {tag}")


def _text_of(node: yaml.Node) -> str | None:
    """The text of a scalar node; None for a list or a mapping."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _at(node: yaml.Node, rule: Callable[..., _T], *args: Any) -> _T:
    """`rule(*args)`, with its refusal placed at `node`."""
    try:
        return rule(*args)
    except Refused as refused:
        raise _Bad(node, str(refused)) from None


def _scalar_check(rule: ValueRule) -> Callable[[yaml.Node, Path, list[Problem], bool], Any]:
    """The node check of a key whose value `rule` decides alone."""

    def check(node: yaml.Node, path: Path, problems: list[Problem], smtputf8: bool) -> Any:
        return _at(node, rule, node.tag, _text_of(node), smtputf8)

    return check


def _unknown(name: str, allowed: Iterable[str], what: str) -> str:
    return f"unknown {what} `{name}`" + did_you_mean(name, allowed)


def text_value(tag: str, text: str | None, name: str) -> str:
    """The one-line text of key `name`, or Refused."""
    if text is None or tag != STR:
        message = f"`{name}` must be text, not {_kind_of(tag)}"
        if text:
            message += f'; put it in quotes: {name}: "{text}"'
        raise Refused(message)
    reason = text_problem(text)
    if reason:
        raise Refused(f"`{name}` {reason}")
    return text


def text_problem(value: str) -> str | None:
    """Why `value` cannot go into a header or a one-line field, or None if it can."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    char = found[0]
    if char in "\r\n\u2028\u2029\x85":
        return "holds a line break; write it on one line"
    return f"holds the control character U+{ord(char):04X}; remove it"


def _empty(tag: str, text: str | None) -> bool:
    return text is not None and tag == NULL


def email_value(tag: str, text: str | None, smtputf8: bool) -> str:
    """`email`: required text, stored normalized."""
    if _empty(tag, text):
        raise Refused("`email` is empty")
    try:
        return normalize_address(text_value(tag, text, "email"), smtputf8=smtputf8)
    except AddressError as error:
        raise Refused(str(error)) from None


#: The longest `name` accepted, in characters: room for any real name, and a `To:` header
#: that stays far within the 998 characters a mail line may have (RFC 5322 §2.1.1).
NAME_MAX = 200


def name_value(tag: str, text: str | None, smtputf8: bool) -> str | None:
    """`name`: one line of text of at most NAME_MAX characters, or nothing."""
    if _empty(tag, text):
        return None
    name = text_value(tag, text, "name")
    if len(name) > NAME_MAX:
        raise Refused(
            f"`name` is {len(name):,} characters long, over the limit of {NAME_MAX}; shorten it"
        )
    return name


def _choice(tag: str, text: str | None, name: str, choices: tuple[str, ...]) -> str:
    if _empty(tag, text):
        raise Refused(f"`{name}` is empty; write one of {', '.join(choices)}")
    value = text_value(tag, text, name)
    if value not in choices:
        message = f"`{name}` must be one of {', '.join(choices)}, not `{value}`"
        raise Refused(message + did_you_mean(value, choices))
    return value


def status_value(tag: str, text: str | None, smtputf8: bool) -> Status:
    """`status`: one of the Status values."""
    return Status(_choice(tag, text, "status", tuple(s.value for s in Status)))


def format_value(tag: str, text: str | None, smtputf8: bool) -> Format:
    """`format`: one of the Format values."""
    return Format(_choice(tag, text, "format", tuple(f.value for f in Format)))


def frequency_value(tag: str, text: str | None, smtputf8: bool) -> Frequency:
    """`frequency`: one of the Frequency values."""
    return Frequency(_choice(tag, text, "frequency", tuple(f.value for f in Frequency)))


def joined_value(tag: str, text: str | None, smtputf8: bool) -> date | None:
    """`joined`: a real date written YYYY-MM-DD (plain or quoted), or nothing."""
    if _empty(tag, text):
        return None
    if text is not None and tag in (STR, TIMESTAMP) and _DATE.fullmatch(text):
        day, reason = calendar_date(int(text[:4]), int(text[5:7]), int(text[8:]))
        if day is None:
            raise Refused(
                f"`joined` {text} is not a date ({reason}); write a real date such as 2024-01-15"
            )
        return day
    raise Refused("`joined` must be a date written YYYY-MM-DD, such as 2024-01-15")


def calendar_date(year: int, month: int, day: int) -> tuple[date | None, str]:
    """The date of `year`, `month` and `day` and "", or None and why there is no such day
    (a few words, such as "April has 30 days")."""
    if year < 1:
        return None, "years start at 0001"
    if not 1 <= month <= 12:
        return None, "months run from 01 to 12"
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return date(year, month, day), ""
    if day < 1:
        return None, "days start at 01"
    if month == 2:
        if day == 29:
            return None, f"{year} is not a leap year, so February has 28 days"
        return None, "February has 28 or 29 days"
    return None, f"{calendar.month_name[month]} has {last} days"


def topic_value(tag: str, text: str | None) -> str:
    """One item of `topics`: text that is not blank."""
    topic = text_value(tag, text, "topics")
    if not topic.strip():
        raise Refused("a topic is empty")
    return topic


def topics_unlisted(tag: str, text: str | None, smtputf8: bool) -> frozenset[str]:
    """`topics` given as anything but a list: nothing (every section), or Refused."""
    if _empty(tag, text):
        return frozenset()
    example = text if text is not None else "tech, science"
    raise Refused(f"`topics` must be a list, not {_kind_of(tag)}; write topics: [{example}]")


def fields_unmapped(tag: str, text: str | None, smtputf8: bool) -> Mapping[str, Any]:
    """`fields` given as anything but a mapping: nothing, or Refused."""
    if _empty(tag, text):
        return {}
    raise Refused(
        f"`fields` must be a mapping such as `fields: {{city: London}}`, not {_kind_of(tag)}"
    )


def _topics(node: yaml.Node, path: Path, problems: list[Problem], smtputf8: bool) -> frozenset[str]:
    if not isinstance(node, yaml.SequenceNode):
        return _at(node, topics_unlisted, node.tag, _text_of(node), smtputf8)
    topics = set()
    bad = False
    for item in node.value:
        try:
            topics.add(_at(item, topic_value, item.tag, _text_of(item)))
        except _Bad as error:
            problems.append(position(path, error.node, error.message))
            bad = True
    if bad:
        raise _Skip
    return frozenset(topics)


def _fields(
    node: yaml.Node, path: Path, problems: list[Problem], smtputf8: bool
) -> Mapping[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        return _at(node, fields_unmapped, node.tag, _text_of(node), smtputf8)
    before = len(problems)
    fields: dict[str, Any] = {}
    for key, value in _pairs(node, path, problems, "custom field"):
        try:
            found = _at(value, field_value, value.tag, _text_of(value), key.value)
            fields[_at(key, field_name, key.value)] = found
        except _Bad as error:
            problems.append(position(path, error.node, error.message))
    if len(problems) > before:
        raise _Skip
    return fields


def field_name(name: str) -> str:
    """The name of a custom field: letters, digits and _, so templates can use it."""
    if not FIELD_NAME.fullmatch(name):
        raise Refused(
            f"custom field name `{name}` must be letters, digits and _ "
            "(so templates can write subscriber.fields.NAME)"
        )
    return name


def field_value(tag: str, text: str | None, name: str) -> Any:
    """The value of custom field `name`: one line of text, a number, true/false, a date or
    nothing."""
    if text is None or tag not in _KINDS:
        raise Refused(
            f"custom field `{name}` must be a single value (text, number, "
            f"true/false or date), not {_kind_of(tag)}"
        )
    if tag == STR:
        reason = text_problem(text)
        if reason:
            raise Refused(f"custom field `{name}` {reason}")
        return text
    if tag == TIMESTAMP:
        return _field_date(text, name)
    quote = f'quote it to keep it as text: {name}: "{text}"'
    try:
        value = yaml.SafeLoader("").construct_object(yaml.ScalarNode(tag, text))
    except (ValueError, LookupError):  # `0x_` reads as a number, but int() refuses it
        raise Refused(
            f"custom field `{name}` {text} reads as {_kind_of(tag)} in YAML but is not one; "
            + quote
        ) from None
    if not isinstance(value, _FIELD_SCALARS):
        raise Refused(f"custom field `{name}` must be a single value, not {_kind_of(tag)}")
    return value


def _field_date(text: str, name: str) -> date:
    """A custom field's value that reads as a date (or a date and time) in YAML."""
    found = _TIMESTAMP.fullmatch(text)
    quote = f'quote it to keep it as text: {name}: "{text}"'
    if found is None:  # other text tagged `!!timestamp`
        raise Refused(f"custom field `{name}` {text} is not a date; write YYYY-MM-DD, or {quote}")
    day, reason = calendar_date(int(found["year"]), int(found["month"]), int(found["day"]))
    if day is None:
        raise Refused(
            f"custom field `{name}` {text} is not a date ({reason}); write a real date, or {quote}"
        )
    if found["hour"] is not None:
        raise Refused(f"custom field `{name}` must be a date without a time, or {quote}")
    return day


def make_subscriber(
    email: str,
    *,
    name: str | None = None,
    status: Status = Status.ACTIVE,
    topics: Iterable[str] = (),
    format: Format = Format.HTML,
    joined: date | None = None,
    fields: Mapping[str, Any] | None = None,
    smtputf8: bool = False,
) -> Subscriber:
    """A Subscriber from plain values, held to the same rules as the file.

    Raises AddressError for the address, InvalidSubscriberError for anything else.
    """
    normalized = normalize_address(email, smtputf8=smtputf8)
    reasons = []
    if name is not None and (reason := text_problem(name)):
        reasons.append(f"the name {reason}")
    elif name is not None and len(name) > NAME_MAX:
        reasons.append(f"the name is {len(name):,} characters long, over the limit of {NAME_MAX}")
    topic_set = frozenset(topics)
    for topic in sorted(topic_set):
        if not topic.strip():
            reasons.append("a topic is empty")
        elif reason := text_problem(topic):
            reasons.append(f"the topic {topic!r} {reason}")
    for key, value in (fields or {}).items():
        if not FIELD_NAME.fullmatch(key):
            reasons.append(f"custom field name {key!r} must be letters, digits and _")
        elif isinstance(value, datetime) or not isinstance(value, _FIELD_SCALARS):
            reasons.append(f"custom field {key!r} must be text, a number, true/false or a date")
        elif isinstance(value, str) and (reason := text_problem(value)):
            reasons.append(f"custom field {key!r} {reason}")
    if reasons:
        raise InvalidSubscriberError(f"{normalized}: " + "; ".join(reasons))
    return Subscriber(
        email=normalized,
        name=name or None,
        status=Status(status),
        topics=topic_set,
        format=Format(format),
        joined=joined,
        fields=MappingProxyType(dict(fields or {})),
    )


class _Skip(_Bad):
    """The problems were already reported one by one."""

    def __init__(self) -> None:
        pass


# The rule of each key for a value written as one scalar (for `topics` and `fields`, the
# rule when the value is not the list or mapping they take).
SCALAR_RULES: dict[str, ValueRule] = {
    "email": email_value,
    "name": name_value,
    "status": status_value,
    "topics": topics_unlisted,
    "format": format_value,
    "joined": joined_value,
    "fields": fields_unmapped,
    "frequency": frequency_value,
}
_CHECKS = {
    "email": _scalar_check(email_value),
    "name": _scalar_check(name_value),
    "status": _scalar_check(status_value),
    "topics": _topics,
    "format": _scalar_check(format_value),
    "joined": _scalar_check(joined_value),
    "fields": _fields,
    "frequency": _scalar_check(frequency_value),
}
