"""Repair of damaged characters in scraped text: mojibake, `?` for NBSP, spaces, quotes.

Pure: takes a string, returns a string; never opens files or sockets.

Quotes are made plain ASCII (`"` and `'`), as ftfy does by default: one spelling
for every source, so the digest reads consistently and duplicate detection does
not trip over typographic variants. Dashes and ellipses are kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["repair"]

# A `?` glued between two words, or right after a sentence mark and before a word:
# never written on purpose, so a sign that NBSPs were lost on the way.
_EVIDENCE = re.compile(r"(?<=[^\W_])\?(?=[^\W_])|(?<=[.,;:])\?(?=[^\W_(])")
# Where a lost NBSP sits: after a word or a closing mark, before a word or an opening
# bracket or a currency sign. Never before a quote: `"Why?" he asked` is a question.
_INNER = re.compile(r"(?:(?<=[^\W_])|(?<=[.,;:!)\]%]))\?(?=[^\W_]|[(\[$£€])")
# `?` left dangling at a line end after a bracket or a sentence mark, or alone.
_TRAILING = re.compile(r"(?<=[.,;:)\]])\?+(?=[ \t]*$)|^[ \t]*\?(?=[ \t]*\S)|(?<= )\?(?= )", re.M)
# UTF-8 read as Latin-1/Windows-1252 always shows one of these lead characters.
_MOJIBAKE_LEAD = re.compile("[\u00c2-\u00f4]")

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_BLANKS = re.compile(r"\n{3,}")


def _in_url(text: str, at: int) -> bool:
    """True when position `at` lies in a URL-like token (a `?` there is a query string)."""
    left = text.rfind(" ", 0, at) + 1
    right = text.find(" ", at)
    token = text[left : right if right >= 0 else len(text)]
    return "://" in token or token.startswith("www.") or "=" in token[at - left :]


def _has_nbsp_damage(text: str) -> bool:
    return any(not _in_url(text, m.start()) for m in _EVIDENCE.finditer(text))


def _space_unless_url(match: re.Match[str]) -> str:
    return "?" if _in_url(match.string, match.start()) else " "


@lru_cache(maxsize=1)
def _ftfy() -> tuple[Any, Any, Any]:
    """ftfy's `fix_text` with its two configurations, imported on first use: ASCII
    text never needs it, and importing it compiles its tables (tens of ms)."""
    import ftfy

    return ftfy.fix_text, ftfy.TextFixerConfig(), ftfy.TextFixerConfig(fix_encoding=False)


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
    if not text.isascii():
        fix_text, fix_all, fix_no_encoding = _ftfy()
        text = fix_text(text, fix_all if _MOJIBAKE_LEAD.search(text) else fix_no_encoding)
    text = _INVISIBLE.sub("", text)
    if "?" in text and _has_nbsp_damage(text):
        text = _INNER.sub(_space_unless_url, text)
        text = _TRAILING.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
