"""Sentence splitting: pysbd where it is needed, a plain split where boundaries are clear.

Pure: takes strings, returns lists of strings; never opens files or sockets.

pysbd (rule-based, offline) handles abbreviations, initials and decimals well but
costs about a millisecond per paragraph. Most paragraphs have no such trap, so
`sentences_of` splits English paragraphs at ". X" boundaries itself and calls
pysbd only when the word before a boundary could be an abbreviation. Other
languages go to pysbd's rules for that language (22 of them: de, fr, es, it, nl,
ru, zh, ja, ar…); a language pysbd lacks is split at its sentence marks.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["sentences_of", "split_sentences"]


@lru_cache(maxsize=32)
def _segmenter(language: str = "en") -> Any:
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


@lru_cache(maxsize=1)
def _pysbd_languages() -> frozenset[str]:
    from pysbd.languages import LANGUAGE_CODES

    return frozenset(LANGUAGE_CODES)


def _segment(text: str, language: str = "en") -> list[str]:
    r"""What `Segmenter.segment(text)` returns (clean=False), without its regular expressions.

    pysbd finds its sentences, then maps each back onto `text` with
    `re.finditer(re.escape(sentence) + r"\s*", text)`, taking the first match that
    ends after the previous one. That compiles one pattern per sentence, which also
    pushes other patterns out of `re`'s cache. The same search is done here with
    `str.find` and `str.isspace` (the `\s` of a str pattern).
    """
    segmenter = _segmenter(language)
    if not text:
        return []
    found: list[str] = []
    end = 0
    for sentence in segmenter.processor(text).process():
        if not sentence:  # an empty pattern matches everywhere: let pysbd decide
            return list(segmenter.segment(text))
        start = 0
        while (at := text.find(sentence, start)) >= 0:
            stop = at + len(sentence)
            while stop < len(text) and text[stop].isspace():
                stop += 1
            if stop > end:
                found.append(text[at:stop])
                end = stop
                break
            start = stop
    return found


_MARKS = re.compile(r"""(?<=[.!?…。！？])["'’”»」』)\]]*\s*""")


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Split `text` into sentences with pysbd; each one stripped, none empty.

    >>> split_sentences("Mr. Lee arrived at 9 a.m. on Monday. He left.")
    ['Mr. Lee arrived at 9 a.m. on Monday.', 'He left.']
    >>> split_sentences("Der Zug kam z. B. um 9 Uhr an. Er war voll.", "de")
    ['Der Zug kam z. B. um 9 Uhr an.', 'Er war voll.']

    `language` is a BCP 47 tag (English when None).
    """
    if not text.strip():
        return []
    code = (language or "en").split("-")[0].lower()
    if code not in _pysbd_languages():
        return [s.strip() for s in _split_at_marks(text) if s.strip()]
    return [s.strip() for s in _segment(text, code) if s.strip()]


def _split_at_marks(text: str) -> list[str]:
    out, start = [], 0
    for m in _MARKS.finditer(text):
        if m.end() > start and (m.end() == len(text) or m.group(0).strip() != m.group(0)):
            out.append(text[start : m.end()])
            start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


# A place where a sentence could end inside a paragraph: mark, optional closer, space,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"""(?<=[.!?])(?P<close>["'’”)\]]*)\s+(?=["'‘“(\[]?[A-Z0-9])""")
# The word before a period that may not end a sentence: an initial or acronym ("J.",
# "U.S."), a title or other common abbreviation, or an ellipsis.
_ABBREVIATED = re.compile(
    r"""(?:^|[\s(])(?:[A-Za-z]|(?:[A-Za-z]\.)+[A-Za-z]|mr|mrs|ms|dr|prof|st|jr|sr|gen|gov|sen
    |rep|rev|hon|capt|col|lt|sgt|cmdr|adm|maj|insp|supt|inc|ltd|co|corp|plc|llc|bros|no|nos
    |vs|etc|approx|est|dept|univ|assn|fig|figs|vol|vols|pp|ch|sec|art|op|cit|ed|eds|mt|ft|ave
    |blvd|rd|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|tues|wed|thu|thur|thurs
    |fri|sat|sun|am|pm|a\.m|p\.m|e\.g|i\.e|cf|al|ca|mins?|hrs?|sq|oz|lb|lbs|kg|km|cm|mm)\.$
    |\.\.$""",
    re.I | re.X,
)


def sentences_of(paragraph: str, language: str | None = None) -> list[str]:
    """Sentences of one paragraph: a plain split where every boundary is clear, else pysbd.

    The plain split knows English abbreviations only: any other language goes to pysbd.
    """
    if language and not language.lower().startswith("en"):
        return split_sentences(paragraph, language)
    # A boundary inside an open quotation is not one: the quote is one sentence.
    cuts = [
        m for m in _BOUNDARY.finditer(paragraph) if paragraph.count('"', 0, m.end("close")) % 2 == 0
    ]
    if not cuts:
        return [paragraph]
    for m in cuts:
        head = paragraph[max(0, m.start() - 12) : m.start()].rstrip("\"'’”)]")
        if head.endswith(".") and _ABBREVIATED.search(head):
            return split_sentences(paragraph, language)
    out, start = [], 0
    for m in cuts:
        out.append(paragraph[start : m.end("close")].strip())
        start = m.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]
