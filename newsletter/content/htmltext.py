"""Main text and metadata of an HTML page, with trafilatura.

Pure: takes an HTML string, returns a frozen `HtmlArticle`; never opens files or
sockets (`url` is only a hint for metadata and relative links, nothing is fetched).

trafilatura is the measured choice: on the ScrapingHub benchmark pages it scores
above readability, goose3 and justext (evaluation/extraction.py reproduces the
figure). `favor_precision` trims more of the page's edges (related links, captions);
it is on because the digest summarizes the text, and a stray "Read more" line
costs more than a lost closing paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsletter.content.langid import detect, normalize_tag
from newsletter.content.repair import repair, squash
from newsletter.model import Image

__all__ = ["FAVOR_PRECISION", "MIN_WORDS", "HtmlArticle", "extract_html", "page_language"]

FAVOR_PRECISION = True
MIN_WORDS = 15  # fewer words than this is not an article

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_HTML_LANG = re.compile(
    r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)""", re.I
)
_META_LANG = re.compile(
    r"""<meta\b[^>]*?(?:property\s*=\s*["']og:locale["']|http-equiv\s*=\s*["']content-language["'])"""
    r"""[^>]*?content\s*=\s*["']([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)""",
    re.I,
)
_LIST_MARK = re.compile(r"^[-*•]\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def _words(text: str) -> int:
    """Words by spaces; a Chinese or Japanese character counts as one."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk


def _without_furniture(lines: list[str]) -> tuple[list[str], str | None]:
    """The lines that are not site furniture the extractor let through (the per-language
    tables of `lines`: "Anzeige", "Lire aussi : …", "12 comments", bylines, timestamps),
    and the author a byline among them names."""
    from newsletter.content import lines as ln

    kept: list[str] = []
    author: str | None = None
    bio_next = False
    for line in lines:
        if bio_next and ln.word_count(line) <= 60:
            bio_next = False
            continue  # the bio an "About the author" heading opens
        bio_next = ln.is_about_author(line)
        name = ln.byline_author(line)
        if name or ln.staff_source(line):
            author = author or name
            continue
        if (ln.is_boilerplate(line) and not ln.table_cells(line)) or ln.credit_of(line):
            continue
        kept.append(line)
    return kept, author


def page_language(html: str) -> str | None:
    """The language a page declares: `<html lang>`, else `og:locale` or Content-Language."""
    head = html[:20000]
    match = _HTML_LANG.search(head) or _META_LANG.search(head)
    return normalize_tag(match.group(1)) if match else None


def _line(line: str) -> str:
    """A line of trafilatura's text: list markers off, table rows as `a | b`."""
    line = squash(line)
    if line.startswith("|") and line.rstrip().endswith("|"):
        if _TABLE_RULE.match(line):
            return ""
        return " | ".join(c.strip() for c in line.strip("| ").split("|"))
    return _LIST_MARK.sub("", line)


@dataclass(frozen=True)
class HtmlArticle:
    """What a page says about itself, and its main text (paragraphs separated by blank lines)."""

    title: str | None
    text: str
    author: str | None
    published: str | None  # ISO date, YYYY-MM-DD
    url: str | None  # canonical URL when the page declares one
    description: str | None
    sitename: str | None
    tags: tuple[str, ...] = ()  # the page's categories and keywords
    language: str | None = None  # BCP 47: declared by the page, else detected
    image: Image | None = None  # og:image or the first figure, never a tracking pixel

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The main text's paragraphs."""
        return tuple(p for p in self.text.split("\n\n") if p)


def _clean(value: object, language: str | None = None) -> str | None:
    if not isinstance(value, str):
        return None
    value = squash(repair(value, language))
    return value or None


def _tags(*values: object) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                for tag in item.split(","):
                    tag = tag.strip()
                    if tag and len(tag) <= 40:
                        seen.setdefault(tag, None)
    return tuple(seen)


def _iso_date(value: object) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[:10]):
        return value[:10]
    return None


def extract_html(
    html: str, *, url: str | None = None, favor_precision: bool = FAVOR_PRECISION
) -> HtmlArticle | None:
    """The main text and metadata of `html`, or None when the page has no main text.

    A first line that only repeats the title is dropped from `text`. The page's
    language is the one it declares, else the one its text is written in.
    """
    if not html.strip():
        return None
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            favor_precision=favor_precision,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, AttributeError):
        return None
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    raw = data.get("text") or ""
    language = page_language(html) or normalize_tag(data.get("language")) or detect(raw)
    title = _clean(data.get("title"), language)
    lines = [_line(line) for line in repair(raw, language).split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]
    lines, byline = _without_furniture(lines)
    if sum(_words(line) for line in lines) < MIN_WORDS:
        return None  # a menu or a caption, not an article
    from newsletter.content.images import lead_image

    page_url = _clean(data.get("url")) or url
    return HtmlArticle(
        title=title,
        text="\n\n".join(lines),
        author=_clean(data.get("author"), language) or byline,
        published=_iso_date(data.get("date")),
        url=page_url,
        description=_clean(data.get("description"), language),
        sitename=_clean(data.get("sitename"), language),
        tags=_tags(data.get("categories"), data.get("tags")),
        language=language,
        image=lead_image(html, page_url or ""),
    )
