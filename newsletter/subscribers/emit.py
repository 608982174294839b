"""Writes subscribers as YAML text: one value, one entry, or a whole file.

Pure: values in, text out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import yaml

from newsletter.model import Format, Frequency, Status, Subscriber

_WIDTH = 2**30  # never fold a value onto a second line


def scalar(value: Any, style: str | None = None, *, flow: bool = False) -> str:
    """`value` as a one-line YAML value that reads back as the same value.

    `style` (``'`` or ``"``) keeps a quoted value quoted when it replaces another; `flow`
    says the value goes inside brackets or braces, where `,[]{}` must be quoted too.
    """
    if isinstance(value, (Status, Format, Frequency)):
        value = value.value
    if isinstance(value, frozenset):
        value = sorted(value)
    if not isinstance(value, str) or style not in ("'", '"'):
        style = None
    text = yaml.safe_dump(
        [value] if flow else value,
        allow_unicode=True,
        width=_WIDTH,
        default_flow_style=True,
        default_style=style,
        sort_keys=False,
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    text = text.rstrip("\n")
    if flow:  # the emitter quoted it as an item of a flow list: drop the brackets
        text = text[1:-1]
    if "\n" in text:  # pragma: no cover - the width above rules it out
        raise ValueError(f"{value!r} does not fit on one line")
    return text


def pairs(subscriber: Subscriber) -> list[tuple[str, Any]]:
    """The keys worth writing for `subscriber`, in the documented order; defaults left out."""
    out: list[tuple[str, Any]] = [("email", subscriber.email)]
    if subscriber.name:
        out.append(("name", subscriber.name))
    if subscriber.status is not Status.ACTIVE:
        out.append(("status", subscriber.status))
    if subscriber.topics:
        out.append(("topics", subscriber.topics))
    if subscriber.format is not Format.HTML:
        out.append(("format", subscriber.format))
    if subscriber.frequency is not Frequency.DAILY:
        out.append(("frequency", subscriber.frequency))
    if subscriber.joined is not None:
        out.append(("joined", subscriber.joined))
    if subscriber.fields:
        out.append(("fields", dict(subscriber.fields)))
    return out


def block_entry(subscriber: Subscriber, indent: int, newline: str = "\n") -> str:
    """One `- email: …` item of a block list, its dash at column `indent` (from 0)."""
    lines = []
    pad = " " * indent
    for n, (key, value) in enumerate(pairs(subscriber)):
        lead = f"{pad}- " if n == 0 else f"{pad}  "
        if key == "fields":
            lines.append(f"{lead}fields:")
            # a custom name such as `no` or `on` must be quoted, or it reads as true/false
            lines.extend(f"{pad}    {scalar(k)}: {scalar(v)}" for k, v in value.items())
        else:
            lines.append(f"{lead}{key}: {scalar(value)}")
    return newline.join(lines) + newline


def flow_entry(subscriber: Subscriber) -> str:
    """One entry as a flow mapping, `{email: …, name: …}`, for lists written in brackets."""
    return "{" + ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in pairs(subscriber)) + "}"


def dump(subscribers: Iterable[Subscriber]) -> str:
    """A whole subscriber file holding `subscribers`, in order."""
    entries = [block_entry(s, 2) for s in subscribers]
    if not entries:
        return "subscribers: []\n"
    return "subscribers:\n" + "".join(entries)


def iso(value: Any) -> Any:
    """JSON- and CSV-friendly form of a field value."""
    return value.isoformat() if isinstance(value, date) else value
