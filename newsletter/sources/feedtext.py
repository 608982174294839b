"""Feed text fields as a reader shows them: titles as plain text, bodies as paragraphs.

Pure: takes the values and types feedparser (or the JSON Feed reader) gives, returns
text; never opens files or sockets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from newsletter.content.lines import is_boilerplate
from newsletter.content.repair import repair

__all__ = ["FieldText", "field_text", "html_paragraphs", "plain", "text_kind"]

# "Continue reading …" / "Read more »" closing a teaser, after a sentence or on its own line.
_READ_MORE = re.compile(
    r"(?:^|(?<=[.!?…\]]))\s*[\[(]?\s*(?:continue reading|read more|read the full (?:story|article))\b.{0,120}$",
    re.I,
)
# "[…]", "[...]" or "…" at the very end: the feed cut the text short.
_CUT = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.)\s*$")
# Markup in a field the feed calls plain text: an element opened and closed again
# (`Example <b>Atom</b>`), as HTML mislabelled; a lone `<blink>` stays text.
_LABELLED_TEXT = re.compile(
    r"<(a|abbr|b|big|cite|code|em|i|mark|p|q|s|small|span|strong|sub|sup|u)\b[^<>]*>.*?</\1\s*>",
    re.I | re.S,
)
_WHOLE = re.compile(r"^(.*[.!?][\"'”’)]*)\s+\S.*$")  # up to the last sentence end


@dataclass(frozen=True)
class FieldText:
    """A feed text field as paragraphs; whether the feed cut it short ("…", "[…]"),
    and whether it ended in a "Continue reading" link."""

    paragraphs: list[str] = field(default_factory=list)
    cut: bool = False
    read_more: bool = False


def text_kind(detail: Any) -> str | None:
    """How a reader shows a text field: "html" (markup, escaped or inline XHTML),
    "text" (characters as they are), or None for what is no text (base64 binary)."""
    kind = str(detail.get("type") or "text/html").lower() if isinstance(detail, dict) else ""
    if "html" in kind or kind.endswith("xml"):
        return "html"
    if kind.startswith("text/") or not kind:
        return "text"
    return None


def field_text(detail: Any) -> FieldText:
    """Paragraphs of a feed text field, HTML or plain, without boilerplate lines."""
    value = _str(detail.get("value")) if detail else None
    kind = text_kind(detail) if detail else None
    if not value or kind is None:
        return FieldText()
    paragraphs = html_paragraphs(value) if kind == "html" else value.split("\n\n")
    out = []
    read_more = False
    for paragraph in paragraphs:
        line = " ".join(repair(paragraph).split())
        trimmed = _READ_MORE.sub("", line).rstrip()
        read_more = read_more or trimmed != line
        if trimmed and not is_boilerplate(trimmed) and not _is_feed_footer(trimmed):
            out.append(trimmed)
    cut = bool(out) and bool(_CUT.search(out[-1]))
    if cut:  # keep whole sentences only: a summary must not end mid-thought
        last = _CUT.sub("", out[-1])
        whole = _WHOLE.match(last)
        if whole:
            out[-1] = whole.group(1)
        elif len(out) > 1:
            out.pop()
        else:
            out[-1] = last + " …"
    return FieldText(out, cut, read_more)


def _is_feed_footer(line: str) -> bool:
    # WordPress and friends end every item with "The post X appeared first on Y."
    return bool(re.match(r"^the post .{1,300} appeared first on .{1,120}\.?$", line, re.I))


class _Paragraphs(HTMLParser):
    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "tr",
            "table",
            "section",
            "article",
            "header",
            "footer",
            "figure",
            "figcaption",
            "hr",
            "dd",
            "dt",
        ]
    )
    SKIP = frozenset(("script", "style", "template", "noscript"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)


def html_paragraphs(html: str) -> list[str]:
    """The text of an HTML fragment, one string per block (paragraph, list item, heading)."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.paragraphs


def plain(value: object, detail: object = None) -> str | None:
    """A title or name as a reader shows it: markup read as HTML (its entities decoded
    once), plain text kept as it is (`History of the <blink> tag` keeps its brackets;
    feedparser already decoded the XML). Without a type, text holding `<` is read as HTML."""
    text = _str(value)
    if text is None:
        return None
    kind = text_kind(detail) if isinstance(detail, dict) else ("html" if "<" in text else "text")
    if kind is None:
        return None
    if kind == "html" or _LABELLED_TEXT.search(text):
        text = " ".join(html_paragraphs(text))
    return " ".join(repair(text).split()) or None


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
