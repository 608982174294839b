"""Surgical edits of subscriber YAML text: change one entry, leave every other byte alone.

Pure: text and nodes in, splices out. A round-trip dumper (ruamel.yaml included)
re-emits the whole document and so re-indents, re-wraps and re-spaces what a person
wrote; here only the characters of the changed value, line or entry are touched. Every
edit is read back and compared before it is written (see `changes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from newsletter.model import Subscriber
from newsletter.subscribers.emit import block_entry, flow_entry, scalar
from newsletter.subscribers.errors import UnsafeEditError
from newsletter.subscribers.schema import Checked, Entry


@dataclass(frozen=True)
class Splice:
    """Replace text[start:end] with `text`; an insertion when start == end."""

    start: int
    end: int
    text: str


def apply(text: str, splices: Iterable[Splice]) -> str:
    """`text` with every splice made; insertions at one place keep the order given."""
    out = []
    cursor = 0
    for splice in sorted(splices, key=lambda s: s.start):
        if splice.start < cursor:
            raise UnsafeEditError("two edits overlap; nothing was written")
        out.append(text[cursor : splice.start])
        out.append(splice.text)
        cursor = splice.end
    out.append(text[cursor:])
    return "".join(out)


def newline_of(text: str) -> str:
    """The line ending the file already uses (CRLF or LF)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def content_end(node: yaml.Node) -> int:
    """Where the node's own characters end: its last value, not the comments after it."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
        if not node.value:
            return int(node.start_mark.index)
        last = node.value[-1]
        return content_end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return int(node.end_mark.index)


def _line_after(text: str, index: int, newline: str) -> tuple[int, str]:
    """Where a new line can go after the line holding `index`, and what must precede it."""
    if index > 0 and text[index - 1] == "\n":
        return index, ""
    end = text.find("\n", index)
    if end < 0:
        return len(text), newline
    return end + 1, ""


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def set_key(text: str, mapping: yaml.Node, key: str, value: Any) -> list[Splice]:
    """Give `key` the value `value` in `mapping`, replacing only the old value if any."""
    if not isinstance(mapping, yaml.MappingNode):
        raise UnsafeEditError("the entry is not a mapping")
    newline = newline_of(text)
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return [_replace_value(text, key_node, value_node, value, mapping.flow_style)]
    if isinstance(value, dict) and not mapping.flow_style:
        pad = " " * (mapping.start_mark.column + 2)
        inner = [f"{pad}{scalar(k)}: {scalar(v)}" for k, v in value.items()]
        line = f"{scalar(key)}:{newline}" + newline.join(inner)
    else:
        line = f"{scalar(key, flow=mapping.flow_style)}: {scalar(value, flow=mapping.flow_style)}"
    return [_insert_pair(text, mapping, line)]


def _replace_value(text: str, key: yaml.Node, node: yaml.Node, value: Any, flow: bool) -> Splice:
    if node.start_mark.index < key.end_mark.index:
        raise UnsafeEditError(
            f"`{key.value}` at line {key.start_mark.line + 1} is a YAML alias; edit it by hand"
        )
    style = node.style if isinstance(node, yaml.ScalarNode) else None
    new = scalar(value, style, flow=flow)
    start, end = int(node.start_mark.index), content_end(node)
    block = isinstance(node, yaml.CollectionNode) and not node.flow_style
    if start == end or block:  # an empty value, or a block list: rewrite from the colon
        start = text.index(":", int(key.end_mark.index)) + 1
        new = " " + new
    if end > start and text[end - 1] == "\n":
        new += newline_of(text)
    return Splice(start, end, new)


def _insert_pair(text: str, mapping: yaml.MappingNode, line: str) -> Splice:
    newline = newline_of(text)
    if mapping.flow_style:
        close = int(mapping.end_mark.index) - 1
        if mapping.value:
            return Splice(
                content_end(mapping.value[-1][1]), content_end(mapping.value[-1][1]), f", {line}"
            )
        return Splice(close, close, line)
    at, before = _line_after(text, content_end(mapping), newline)
    pad = " " * mapping.start_mark.column
    return Splice(at, at, f"{before}{pad}{line}{newline}")


def append(text: str, checked: Checked, subscribers: list[Subscriber]) -> list[Splice]:
    """Add `subscribers` after the last entry of the list, in the list's own style."""
    if not subscribers:
        return []
    newline = newline_of(text)
    seq, root = checked.seq, checked.root
    if root is None:  # empty, or only comments
        at, before = (len(text), newline) if text and not text.endswith("\n") else (len(text), "")
        body = "".join(block_entry(s, 2, newline) for s in subscribers)
        return [Splice(at, at, f"{before}subscribers:{newline}{body}")]
    if seq is None or not isinstance(root, yaml.MappingNode):
        raise UnsafeEditError("the file has no `subscribers:` list to add to")
    if isinstance(seq, yaml.SequenceNode) and seq.value and not seq.flow_style:
        items = seq.value
        dash = seq.start_mark.column
        gap = newline if len(items) > 1 and _blank_between(text, items[-2], items[-1]) else ""
        at, before = _line_after(text, content_end(seq), newline)
        at = _past_own_comments(text, at, dash)
        body = "".join(gap + block_entry(s, dash, newline) for s in subscribers)
        return [Splice(at, at, before + body)]
    if root.flow_style or (isinstance(seq, yaml.SequenceNode) and seq.value):
        flows = ", ".join(flow_entry(s) for s in subscribers)
        if isinstance(seq, yaml.SequenceNode) and seq.value:
            end = content_end(seq.value[-1])
            return [Splice(end, end, f", {flows}")]
        return [Splice(int(seq.start_mark.index), int(seq.end_mark.index), f"[{flows}]")]
    # `subscribers:` with nothing, `~` or `[]`: drop the placeholder, list below the key
    splices = []
    if seq.end_mark.index > seq.start_mark.index:
        splices.append(Splice(int(seq.start_mark.index), int(seq.end_mark.index), ""))
    at, before = _line_after(text, int(seq.end_mark.index), newline)
    body = "".join(block_entry(s, 2, newline) for s in subscribers)
    splices.append(Splice(at, at, before + body))
    return splices


def _blank_between(text: str, first: yaml.Node, second: yaml.Node) -> bool:
    between = text[content_end(first) : second.start_mark.index]
    return any(not line.strip() for line in between.splitlines()[1:])


def delete(text: str, checked: Checked, entry: Entry) -> list[Splice]:
    """Remove `entry` from the list: its lines in a block list, its item in a flow list."""
    seq = checked.seq
    if not isinstance(seq, yaml.SequenceNode) or entry.node not in seq.value:
        raise UnsafeEditError("the entry is not in the `subscribers:` list")
    node = entry.node
    if seq.flow_style:
        return [_delete_flow_item(text, seq, node)]
    start = _dash_line(text, seq, node)
    end, _ = _line_after(text, content_end(node), "")
    end = _past_own_comments(text, end, seq.start_mark.column)
    # Entries set apart by blank lines stay so: one separator goes with the entry.
    blank_before, blank_after = _blank_line_at(text, start - 1), _blank_line_at(text, end)
    if blank_after and (blank_before or node is seq.value[0]):
        end = text.find("\n", end) + 1
    elif blank_before and node is seq.value[-1]:
        start = _line_start(text, start - 1)
    return [Splice(start, end, "")]


def _dash_line(text: str, seq: yaml.SequenceNode, node: yaml.Node) -> int:
    """The start of the line holding the `-` that opens `node`."""
    column = seq.start_mark.column
    line = _line_start(text, int(node.start_mark.index))
    while line > 0:
        if (
            text[line + column : line + column + 1] == "-"
            and not text[line : line + column].strip()
        ):
            return line
        line = _line_start(text, line - 1)
    if text[column : column + 1] == "-":
        return 0
    raise UnsafeEditError("could not find where the entry starts")


def _past_own_comments(text: str, at: int, dash: int) -> int:
    """Past the comment lines right after an entry that are indented into it."""
    while at < len(text):
        end = text.find("\n", at)
        line = text[at : end if end >= 0 else len(text)]
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) <= dash:
            break
        at = end + 1 if end >= 0 else len(text)
    return at


def _blank_line_at(text: str, index: int) -> bool:
    if index < 0 or index >= len(text):
        return False
    start = _line_start(text, index)
    end = text.find("\n", start)
    return end >= 0 and not text[start:end].strip()


def _delete_flow_item(text: str, seq: yaml.SequenceNode, node: yaml.Node) -> Splice:
    start, end = int(node.start_mark.index), content_end(node)
    after = end
    while after < len(text) and text[after] in " \t\r\n":
        after += 1
    if after < len(text) and text[after] == ",":
        after += 1
        while after < len(text) and text[after] in " \t":
            after += 1
        return Splice(start, after, "")
    before = start
    while before > 0 and text[before - 1] in " \t\r\n":
        before -= 1
    if before > 0 and text[before - 1] == ",":
        return Splice(before - 1, end, "")
    return Splice(start, end, "")
