"""Scraped text and Markdown bodies to a headline, plain paragraphs and metadata.

Pure: takes strings, returns a frozen `CleanText`; never opens files or sockets.

Scraped text comes as lines: a headline, site furniture ("Most read", "Share"),
teaser bullets, a byline or photo caption, the body with its subheadings, and a
tail of disclaimers, author bios, related links and subscribe prompts. Each line
is classified by shape (see `lines`), then the body is the span from the first to
the last line that reads as prose; what lies outside it is dropped or kept as
metadata (author, source, credits, highlights).

Teaser bullets before the body are kept out of `paragraphs`: they restate the
story in note form, so they would repeat in the summary and in the body. They
stay available as `highlights`. Subheadings inside the body are kept out of
`paragraphs` too (they are not sentences and must not become summary lines);
they are listed in `subheadings`.
"""

from __future__ import annotations

import enum
import itertools
import re
from dataclasses import dataclass

from newsletter.content import lines as ln
from newsletter.content.markdown import clean_markdown
from newsletter.content.repair import repair

__all__ = ["CleanText", "clean_markdown", "clean_scraped", "repair"]


@dataclass(frozen=True)
class CleanText:
    """A cleaned article: headline, body paragraphs, and what was recognized around them."""

    title: str
    paragraphs: tuple[str, ...]
    author: str | None = None
    source: str | None = None  # publication name, when the page gives it away
    credits: tuple[str, ...] = ()  # photo captions and credits
    highlights: tuple[str, ...] = ()  # teaser bullets that preceded the body
    subheadings: tuple[str, ...] = ()  # section headings found inside the body
    language: str | None = None  # BCP 47 tag: the one given, else the one detected

    @property
    def body(self) -> str:
        """The paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


class _Kind(enum.Enum):
    TEXT = "text"
    BOILER = "boilerplate"
    BYLINE = "byline"
    CREDIT = "credit"
    BULLET = "bullet"
    TABLE = "table"
    BIO = "bio"


_TITLE_MAX_WORDS = 30
_BIO_ROLE = re.compile(
    r"^(?:[A-Z][\w'’.-]+\s){1,4}(?:is|was|has\s+been)\s+(?:an?|the)\b.{0,100}?\b(?:"
    r"reporter|journalist|writer|editor|correspondent|columnist|contributor|analyst|author"
    r"|research(?:er)?|professor|fellow|director|freelance|student|lecturer|economist|scholar"
    r"|commentator|blogger|expert|founder|ceo|strategist|consultant|specialist)",
)
_THE_AUTHOR = re.compile(r"^\(?the\s+(?:author|writer)s?\s+(?:is|are|was)\b", re.I)
_BIO_PRONOUN = {"he", "she", "they"}
_BIO_VERB = re.compile(r"\b(?:is|was|has|writes|covers|joined|holds|leads|works)\b")


def _join_wrapped(raw_lines: list[str]) -> list[str]:
    """Non-empty lines, with hard-wrapped continuation lines joined back."""
    out: list[str] = []
    previous_blank = True
    for line in raw_lines:
        if not line:
            previous_blank = True
            continue
        if (
            out
            and not previous_blank
            and line[:1].islower()
            and len(out[-1]) >= 40
            and not re.search(r"[.!?…:;]['\")\]]*$", out[-1])
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous_blank = False
    return out


def _classify(line: str) -> tuple[_Kind, str | None]:
    if ln.staff_source(line):
        return _Kind.BYLINE, None
    author = ln.byline_author(line)
    if author:
        return _Kind.BYLINE, author
    if ln.is_boilerplate(line):
        return _Kind.BOILER, None
    if ln.credit_of(line):
        return _Kind.CREDIT, None
    if ln.is_bullet(line):
        return _Kind.BULLET, None
    return _Kind.TEXT, None


def _find_title(lines: list[str], kinds: list[_Kind]) -> int | None:
    """The headline: among the lines above the first prose line, the first of three words
    or more (a one-word line there is a section label), else the first one at all."""
    candidates: list[int] = []
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind is not _Kind.TEXT:
            continue
        words = ln.word_count(line)
        prose = ln.is_paragraph_like(line) and not ln.is_title_case(line)
        if ln.is_cjk(line):  # a character is a word: a headline runs to more of them
            prose = ln.ends_sentence(line) and words >= 20
            words //= 3
        if prose or words > _TITLE_MAX_WORDS:
            break
        if not line.endswith((":", ",", ";")):
            candidates.append(i)
    for i in candidates:
        if ln.word_count(lines[i]) >= 3:
            return i
    return candidates[0] if candidates else None


def _is_one_line_bio(line: str, author: str | None) -> bool:
    if _THE_AUTHOR.match(line) or _BIO_ROLE.match(line):
        return True
    if author:
        head = line.split()[:6]
        names = {t.lower() for t in author.split() if len(t) >= 3}
        if head and head[0].lower().strip(",") in names:
            return bool(_BIO_VERB.search(" ".join(head)))
    return False


def _mark_bios(lines: list[str], kinds: list[_Kind], start: int, author: str | None) -> str | None:
    """Mark author bios near the end as BIO; return the name a bio was headed with."""
    text_idx = [i for i in range(start, len(lines)) if kinds[i] is _Kind.TEXT]
    if not text_idx:
        return None
    tail_from = max(start, len(lines) // 2)
    bio_name: str | None = None
    # A name on its own line followed by a paragraph about that person.
    for a, b in itertools.pairwise(text_idx):
        if a < tail_from or b != a + 1:
            continue
        name = lines[a]
        if not ln.looks_like_name(name) or ln.ends_sentence(name):
            continue
        first = lines[b].split()[0].lower().strip(",.'’s") if lines[b].split() else ""
        tokens = {t.lower() for t in name.split()}
        if (first in tokens or first in _BIO_PRONOUN) and _BIO_VERB.search(lines[b]):
            kinds[a] = kinds[b] = _Kind.BIO
            bio_name = bio_name or name
    # A one-line bio among the last prose lines.
    known = author or bio_name
    for i in [i for i in text_idx if kinds[i] is _Kind.TEXT][-3:]:
        if i >= tail_from and _is_one_line_bio(lines[i], known):
            kinds[i] = _Kind.BIO
    return bio_name


def _pick_source(candidates: list[str]) -> str | None:
    names = [c for c in candidates if "." not in c]
    domains = [c for c in candidates if "." in c]
    for name in names:
        for domain in domains:
            stem = domain.split(".")[0]
            if stem.lower() == name.lower().replace(" ", "") and not stem.islower():
                return stem
    if names:
        return names[0]
    if domains:
        return domains[0]
    return None


def clean_scraped(text: str, language: str | None = None) -> CleanText:
    """Turn raw scraped text into a headline, body paragraphs and metadata.

    >>> c = clean_scraped("Rain Returns\\nMost read\\nBy Ann Lee\\nRain fell on the city today.")
    >>> c.title, c.paragraphs, c.author
    ('Rain Returns', ('Rain fell on the city today.',), 'Ann Lee')

    The headline is the first line that is neither furniture nor a byline and is
    short enough to be one; it is "" when the text starts straight with prose.
    `language` (BCP 47) is detected from the text when not given; it picks the
    character repair rules (French no-break spaces).
    """
    if language is None:
        from newsletter.content.langid import detect

        language = detect(text)
    lines = _join_wrapped(repair(text, language).split("\n"))
    seen: set[str] = set()
    unique: list[str] = []
    for line in lines:
        if line.lower() not in seen:
            seen.add(line.lower())
            unique.append(line)
    lines = unique

    kinds: list[_Kind] = []
    author: str | None = None
    credits: list[str] = []
    sources: list[str] = []
    newsrooms: list[str] = []  # named by a byline: "By Northern Courier staff"
    mastheads: list[str] = []  # "Northern Courier | Local | Transport" above the story
    caption_next = False
    bio_next = 0
    byline_source: str | None = None
    tables = _table_rows(lines)
    for i, line in enumerate(lines):
        kind, found = _classify(line)
        if i in tables:
            kind = _Kind.TABLE
        if caption_next and kind is _Kind.TEXT and ln.word_count(line) <= 40:
            kind = _Kind.CREDIT
        if bio_next and kind is _Kind.TEXT:
            kind = _Kind.BIO
            bio_next -= 1
        caption_next = ln.is_caption_marker(line)
        if ln.is_about_author(line):
            bio_next = 2
        kinds.append(kind)
        if kind is _Kind.BYLINE and (staff := ln.staff_source(line)):
            newsrooms.append(staff)
        elif kind is _Kind.BYLINE and author is None:
            author = found
            byline_source = ln.byline_source(line)
        elif kind is _Kind.CREDIT and not caption_next:
            credits.append(ln.strip_caption_marker(line))
        elif kind is _Kind.BOILER:
            sources.extend(ln.source_names(line))
            if not any(k is _Kind.TEXT for k in kinds) and (masthead := ln.masthead_name(line)):
                mastheads.append(masthead)

    title_at = _find_title(lines, kinds)
    title = lines[title_at] if title_at is not None else ""
    start = title_at + 1 if title_at is not None else 0
    bio_name = _mark_bios(lines, kinds, start, author)

    prose = [
        i
        for i in range(start, len(lines))
        if kinds[i] is _Kind.TEXT and ln.is_paragraph_like(lines[i])
    ]
    highlights: list[str] = []
    paragraphs: list[str] = []
    subheadings: list[str] = []
    if prose:
        first, last = prose[0], prose[-1]
        highlights = [
            ln.strip_bullet(lines[i]) for i in range(start, first) if kinds[i] is _Kind.BULLET
        ]
        headings = _subheadings(lines, kinds, first, last)
        # A list or table right after the last paragraph belongs to the article.
        # (its lead-in line too), but not one after site furniture (related links).
        following = last + 1
        while following < len(lines):
            if kinds[following] in (_Kind.BULLET, _Kind.TABLE):
                last = following
            elif not (kinds[following] is _Kind.TEXT and _opens_list(kinds, following)):
                break
            following += 1
        for i in range(first, last + 1):
            line, kind = lines[i], kinds[i]
            if kind is _Kind.BULLET:
                paragraphs.append(ln.strip_bullet(line))
            elif kind is _Kind.TABLE:
                cells = ln.table_cells(line)
                if not all(set(c) <= set(":-") for c in cells):  # not a |---|---| rule
                    paragraphs.append(" | ".join(cells))
            elif kind is not _Kind.TEXT:
                continue
            elif i in headings:
                subheadings.append(line)
            elif (
                ln.is_paragraph_like(line)
                or ln.ends_sentence(line)
                or (line.endswith(":") and _opens_list(kinds, i))
            ):
                paragraphs.append(line)
    else:
        paragraphs = [
            ln.strip_bullet(lines[i])
            for i in range(start, len(lines))
            if kinds[i] in (_Kind.TEXT, _Kind.BULLET)
        ]

    return CleanText(
        title=title,
        paragraphs=tuple(p for p in paragraphs if p),
        author=author or bio_name,
        source=next(iter(newsrooms), None)
        or _pick_source(sources)
        or byline_source
        or next(iter(mastheads), None),
        credits=tuple(credits),
        highlights=tuple(highlights),
        subheadings=tuple(subheadings),
        language=language,
    )


def _table_rows(lines: list[str]) -> set[int]:
    """Indices of pipe-table rows: two lines or more in a row with the same number of cells
    (a single pipe-separated line is a masthead or a menu)."""
    rows: set[int] = set()
    run: list[int] = []
    width = 0
    for i, line in enumerate([*lines, ""]):
        cells = len(ln.table_cells(line))
        if cells and run and cells == width:
            run.append(i)
            continue
        if len(run) >= 2:
            rows.update(run)
        run, width = ([i], cells) if cells else ([], 0)
    return rows


def _opens_list(kinds: list[_Kind], i: int) -> bool:
    return i + 1 < len(kinds) and kinds[i + 1] in (_Kind.BULLET, _Kind.TABLE)


def _is_question_heading(line: str) -> bool:
    return line.endswith("?") and 3 <= ln.word_count(line) <= 12 and line[:1] not in "\"'‘“"


def _subheadings(lines: list[str], kinds: list[_Kind], first: int, last: int) -> set[int]:
    """Indices of subheadings in the body span: short lines that a paragraph follows.

    Statement-like lines without end punctuation always qualify. Short questions
    qualify when the article uses other subheadings or the question is in title
    case; otherwise they are questions in the prose (a reader's comment, a quote).
    """
    text_at = [i for i in range(first, last + 1) if kinds[i] is _Kind.TEXT]
    followed = {a for a, b in itertools.pairwise(text_at) if ln.is_paragraph_like(lines[b])}
    plain = {i for i in followed if ln.is_heading_like(lines[i])}
    questions = {i for i in followed if _is_question_heading(lines[i])}
    if not plain:
        questions = {i for i in questions if ln.is_title_case(lines[i])}
    return plain | questions
