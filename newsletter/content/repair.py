"""Repair of damaged characters in scraped text: mojibake, `?` for NBSP, spaces, quotes.

Pure: takes a string, returns a string; never opens files or sockets.

Quotes are made plain ASCII (`"` and `'`), as ftfy does by default: one spelling
for every source, so the digest reads consistently and duplicate detection does
not trip over typographic variants. Dashes and ellipses are kept.
"""

from __future__ import annotations

import re
import unicodedata
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
    """ftfy's `fix_text` with its two configurations, imported on first use (importing
    it compiles its tables: tens of ms)."""
    import ftfy

    return ftfy.fix_text, ftfy.TextFixerConfig(), ftfy.TextFixerConfig(fix_encoding=False)


# Text that ftfy (6.x, default fixes) can only un-curl, so `_fix` need not import it.
# Its characters: ASCII without `&` (HTML entities), CR (line breaks) and the control
# characters ftfy removes (ESC with them), plus Latin-1 and Latin Extended-A letters and
# signs, general punctuation (dashes, quotes, bullet, ellipsis) and the euro sign. Out
# of those ranges: C1 controls, the ligatures ftfy splits (Ĳ ĳ ŉ), and Â Ã Œ œ, which
# alone can make ftfy's mojibake heuristic fire. No character here is one ftfy's width,
# ligature, control, surrogate or line-break fixes change, so on such text they do
# nothing and ftfy only un-curls quotes, then normalizes to NFC (checked as well).
# Its encoding fix (used when a character from Â to ô suggests mojibake) changes text
# only when its heuristic finds "badness"; every pattern of that heuristic needs two
# non-ASCII characters in a row or one of Â Ã Œ œ or a C1 control, so text without
# such a pair is left as it is. tests/content/test_content_repair.py checks both
# claims against the installed ftfy.
_UNCURLABLE = re.compile(
    "[\t\n\x0c -%'-~\u00a0-\u00c1\u00c4-\u0131\u0134-\u0148\u014a-\u0151"
    "\u0154-\u017f\u2010-\u2027\u20ac]*"
)
_NON_ASCII_PAIR = re.compile("[^\x00-\x7f]{2}")
_UNCURL = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b", "'") | dict.fromkeys("\u201c\u201d\u201e\u201f", '"')
)


def _fix(text: str) -> str:
    """ftfy's fix of non-ASCII `text`: mojibake undone, quotes un-curled, NFC."""
    if _UNCURLABLE.fullmatch(text) and not (
        _MOJIBAKE_LEAD.search(text) and _NON_ASCII_PAIR.search(text)
    ):
        uncurled = text.translate(_UNCURL)
        if unicodedata.is_normalized("NFC", uncurled):
            return uncurled
    fix_text, fix_all, fix_no_encoding = _ftfy()
    return str(fix_text(text, fix_all if _MOJIBAKE_LEAD.search(text) else fix_no_encoding))


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
        text = _fix(text)
    text = _INVISIBLE.sub("", text)
    if "?" in text and _has_nbsp_damage(text):
        text = _INNER.sub(_space_unless_url, text)
        text = _TRAILING.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
