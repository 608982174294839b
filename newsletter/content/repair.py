"""Repair of damaged characters in scraped text: mojibake, `?` for NBSP, spaces, quotes.

Pure: takes a string, returns a string; never opens files or sockets.

Quotes are made plain ASCII (`"` and `'`), as ftfy does by default: one spelling
for every source, so the digest reads consistently and duplicate detection does
not trip over typographic variants. Dashes and ellipses are kept.
"""

from __future__ import annotations

import re

import ftfy

__all__ = ["repair"]

# Word characters plus the punctuation that can sit right before a lost NBSP.
_BEFORE = r"[^\W_]|[.,;:!)\]%]"
# What can follow a lost NBSP: a word, an opening bracket, a currency sign.
# Never a quote: `"Why?" he asked` is a real question.
_AFTER = r"[^\W_]|[(\[$£€]"

_URL = r"(?:https?://|www\.)\S+|\S+\?\w+=\S*"
# A `?` glued between two words, or right after a sentence mark and before a word.
_EVIDENCE = re.compile(rf"{_URL}|(?P<q>(?<=[^\W_])\?(?=[^\W_])|(?<=[.,;:])\?(?=[^\W_(]))")
_INNER = re.compile(rf"{_URL}|(?P<q>(?<={_BEFORE})\?(?={_AFTER}))")
# `?` left dangling at a line end after a bracket or a sentence mark, or alone.
_TRAILING = re.compile(r"(?<=[.,;:)\]])\?+(?=[ \t]*$)|^[ \t]*\?(?=[ \t]*\S)|(?<= )\?(?= )", re.M)

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_BLANKS = re.compile(r"\n{3,}")


def _has_nbsp_damage(text: str) -> bool:
    return any(m.group("q") for m in _EVIDENCE.finditer(text))


def _space_for_question_mark(match: re.Match[str]) -> str:
    return " " if match.group("q") else match.group(0)


def repair(text: str) -> str:
    """Return `text` with mojibake fixed, lost NBSPs restored, spaces and quotes normalized.

    >>> repair("Generative AI?poses risks.?(PHOTO:?VCG)?")
    'Generative AI poses risks. (PHOTO: VCG)'
    >>> repair("Can it ensure multilateralism?")
    'Can it ensure multilateralism?'

    The `?` rules run only on text that shows the damage (a `?` glued between two
    words), so a document with real questions and no damage is left alone.
    Lines are stripped, runs of spaces collapsed, and blank lines kept (at most one
    in a row) because they separate paragraphs.
    """
    text = ftfy.fix_text(text)
    text = _INVISIBLE.sub("", text)
    if _has_nbsp_damage(text):
        text = _INNER.sub(_space_for_question_mark, text)
        text = _TRAILING.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
