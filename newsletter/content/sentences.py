"""Sentence splitting: pysbd where it is needed, a plain split where boundaries are clear.

Pure: takes strings, returns lists of strings; never opens files or sockets.

pysbd (rule-based, offline) handles abbreviations, initials and decimals well but
costs about a millisecond per paragraph. Most paragraphs have no such trap, so
`sentences_of` splits them at ". X" boundaries itself and calls pysbd only when
the word before a boundary could be an abbreviation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["sentences_of", "split_sentences"]


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _segment(text: str) -> list[str]:
    r"""What `Segmenter.segment(text)` returns (clean=False), without its regular expressions.

    pysbd finds its sentences, then maps each back onto `text` with
    `re.finditer(re.escape(sentence) + r"\s*", text)`, taking the first match that
    ends after the previous one. That compiles one pattern per sentence, which also
    pushes other patterns out of `re`'s cache. The same search is done here with
    `str.find` and `str.isspace` (the `\s` of a str pattern).
    """
    segmenter = _segmenter()
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


def split_sentences(text: str) -> list[str]:
    """Split `text` into sentences with pysbd; each one stripped, none empty.

    >>> split_sentences("Mr. Lee arrived at 9 a.m. on Monday. He left.")
    ['Mr. Lee arrived at 9 a.m. on Monday.', 'He left.']
    """
    if not text.strip():
        return []
    return [s.strip() for s in _segment(text) if s.strip()]


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


def sentences_of(paragraph: str) -> list[str]:
    """Sentences of one paragraph: a plain split where every boundary is clear, else pysbd."""
    # A boundary inside an open quotation is not one: the quote is one sentence.
    cuts = [
        m for m in _BOUNDARY.finditer(paragraph) if paragraph.count('"', 0, m.end("close")) % 2 == 0
    ]
    if not cuts:
        return [paragraph]
    for m in cuts:
        head = paragraph[max(0, m.start() - 12) : m.start()].rstrip("\"'’”)]")
        if head.endswith(".") and _ABBREVIATED.search(head):
            return split_sentences(paragraph)
    out, start = [], 0
    for m in cuts:
        out.append(paragraph[start : m.end("close")].strip())
        start = m.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]
