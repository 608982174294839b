"""The usual front matter, `key: value` lines, read without PyYAML's pure-Python scanner.

Pure: takes a string, returns data; never opens files or sockets.

PyYAML's scanner and parser (pure Python unless libyaml is there) take most of the
time of reading a Markdown article. Front matter is nearly always a few
`key: plain words` lines and `key: [a, b]` lists, so those are split here with
one pattern, and PyYAML's own resolver and constructor turn each scalar into its
value, exactly as `yaml.safe_load` would (`2026-11-22` a date, `yes` true, `3:30`
an int). Anything else (quotes, comments, indentation, `#`, `: ` inside a value,
a tab, a line break other than `\\n`) is left to `yaml.safe_load`, which also gives
every error its message and line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["simple_front_matter"]

# Characters a plain scalar may hold here: printable ASCII but `#` and `:` (`:` is
# allowed when a non-space follows), and non-ASCII text without YAML's extra line
# breaks (U+0085, U+2028, U+2029), the byte order mark and surrogates.
_CHAR = '[ !"$-9;-~\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]'
_PLAIN = rf"[A-Za-z0-9](?:{_CHAR}|:(?=[^ ]))*(?<! )"
# A list item: words of letters, digits, `.`, `_` and `-`, single spaces between.
_ITEM = r"[A-Za-z0-9][A-Za-z0-9._-]*(?: [A-Za-z0-9._-]+)*"
_LINE = re.compile(
    rf"(?P<key>[A-Za-z_][A-Za-z0-9_-]*): "
    rf"(?:(?P<plain>{_PLAIN})|\[ *(?P<items>{_ITEM}(?: *, *{_ITEM})*)? *\])"
)
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}


def simple_front_matter(text: str) -> dict[Any, Any] | None:
    """`yaml.safe_load(text)` when `text` is plain `key: value` lines, else None.

    `text` is what follows the opening `---` up to the closing one: the rest of the
    `---` line, then the lines. None means "not this simple form": the caller
    parses it with `yaml.safe_load`.
    """
    first, _, rest = text.partition("\n")
    if first:
        return None
    loader = yaml.SafeLoader("")
    try:
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for line in rest.split("\n"):
            if not line:
                continue
            match = _LINE.fullmatch(line)
            if match is None:
                return None
            key = _scalar(loader, match["key"])
            if match["plain"] is not None:
                value: yaml.Node | None = _scalar(loader, match["plain"])
            else:
                items = match["items"]
                words = [item.strip(" ") for item in items.split(",")] if items else []
                nodes = [_scalar(loader, word) for word in words]
                if any(node is None for node in nodes):
                    return None
                value = yaml.SequenceNode(
                    _resolve(loader, yaml.SequenceNode, None, True), nodes, flow_style=True
                )
            if key is None or value is None:
                return None
            pairs.append((key, value))
        if not pairs:
            return None
        mapping = yaml.MappingNode(_resolve(loader, yaml.MappingNode, None, True), pairs)
        try:
            data = loader.construct_document(mapping)
        except Exception:  # e.g. a date that does not exist: let safe_load say so
            return None
        return data if isinstance(data, dict) else None
    finally:
        loader.dispose()


def _scalar(loader: yaml.SafeLoader, text: str) -> yaml.ScalarNode | None:
    """The node the composer makes of a plain scalar, or None when its tag is unusual."""
    tag = _resolve(loader, yaml.ScalarNode, text, (True, False))
    return yaml.ScalarNode(tag, text) if tag in _SCALAR_TAGS else None


def _resolve(
    loader: yaml.SafeLoader, kind: type[yaml.Node], value: str | None, implicit: Any
) -> str:
    """The tag PyYAML's composer gives a node without an explicit one."""
    tag: str = loader.resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
    return tag
