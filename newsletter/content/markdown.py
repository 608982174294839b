"""Markdown bodies to plain paragraphs: the markup goes, the text stays.

Pure: takes a string, returns a tuple of strings; never opens files or sockets.

A small line-based reader rather than a Markdown library: the digest needs the
words, not an HTML tree, and the constructs that carry text (headings, lists,
quotes, links, emphasis, tables) are few.
"""

from __future__ import annotations

import re

from newsletter.content.repair import repair, squash

__all__ = ["clean_markdown"]

_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S")
_MD_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_MD_HTML = re.compile(r"</?[A-Za-z][^>]*>")
_MD_EMPH = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
# Underscores emphasize only at word edges (CommonMark): `utm_source` and
# `enter_async_context` keep theirs.
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])(__|_)(?=[^\s_])(.+?)(?<=[^\s_])\1(?![^\W_])")
_MD_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+")
_MD_CODE = re.compile(r"`+([^`]*)`+")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_SHELTER = 0xE000  # escaped characters hide in the private-use area while markup is removed


# Every inline rule below needs one of these characters (the last: sheltered ones).
_MD_INLINE_MARK = re.compile(r"[\\\[<`*_~" + "\ue000-\ue07f]")


def _shelter(text: str, chars: str) -> str:
    return "".join(chr(_SHELTER + ord(c)) if c in chars else c for c in text)


def _md_inline(text: str) -> str:
    if not _MD_INLINE_MARK.search(text):  # plain prose: no rule can match
        return text
    text = _MD_ESCAPE.sub(lambda m: chr(_SHELTER + ord(m.group(1))), text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_AUTOLINK.sub(lambda m: m.group(1), text)
    text = _MD_HTML.sub("", text)
    text = _MD_CODE.sub(lambda m: m.group(1), text)
    # A bare URL keeps its `_` and `*`: they are part of the address.
    text = _MD_URL.sub(lambda m: _shelter(m.group(0), "_*~"), text)
    for _ in range(3):
        text = _MD_EMPH.sub(lambda m: m.group(2), text)
        text = _MD_UNDERSCORE.sub(lambda m: m.group(2), text)
    return re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group(0)) - _SHELTER), text)


def clean_markdown(body: str, language: str | None = None) -> tuple[str, ...]:
    """Markdown body -> plain paragraphs: markup stripped, text kept.

    >>> clean_markdown("# Title\\n\\nSome *bold* [link](http://x).\\nMore.\\n\\n- one\\n- two")
    ('Title', 'Some bold link. More.', 'one', 'two')

    Headings, list items and table rows become paragraphs of their own; fenced
    code is dropped; soft line breaks inside a paragraph are joined. Underscores
    inside words and addresses stay. `language` picks the repair rules.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    in_fence = False

    def flush() -> None:
        if current:
            text = repair(_md_inline(" ".join(current)), language)
            if text.strip():
                paragraphs.append(squash(text))
            current.clear()

    for raw in body.splitlines():
        if _MD_FENCE.match(raw):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = _MD_QUOTE.sub("", raw)
        if not line.strip() or _MD_RULE.match(line) or _MD_REFDEF.match(line):
            flush()
            continue
        if _MD_SETEXT.match(line) and current:
            flush()
            continue
        if _MD_TABLE_SEP.match(line) and "-" in line:
            continue
        if _MD_HEADING.match(line) or _MD_LIST.match(line):
            flush()
            stripped = _MD_LIST.sub("", _MD_HEADING.sub("", line)).rstrip("# ")
            current.append(stripped)
            flush()
            continue
        if line.strip().startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            current.append(" | ".join(c for c in cells if c))
            flush()
            continue
        current.append(line.strip())
    flush()
    return tuple(paragraphs)
