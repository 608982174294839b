"""Repair of damaged characters in scraped text: mojibake, `?` for NBSP, spaces.

Pure: takes a string, returns a string; never opens files or sockets.

Typography is kept as written: curly quotes („ “ ” ‘ ’ « »), dashes, ellipses,
no-break spaces and the zero-width joiner of emoji sequences stay (ftfy runs with
`uncurl_quotes=False`). Comparisons normalise on their own (`dedupe`).

A language whose table declares `nbsp_before`/`nbsp_after` (French) gets its
no-break spaces back where a scraper left `?`: `Lyon?:` is `Lyon :`, `«?mot?»`
is `« mot »`, `34?000` is `34 000` (each a U+00A0); its `elision` pattern turns
`l?économie` back into `l’économie`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["repair", "squash"]

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
# Invisible characters that carry nothing; the zero-width (non-)joiner is kept:
# it holds emoji sequences (👩🏽‍💻) and Persian or Indic words together.
_INVISIBLE = re.compile(r"[\u00ad\u200b\u2060\ufeff]")
# `â€` then a space: UTF-8's ’ read as Windows-1252 with its third byte lost. ftfy
# would read the space as a lost 0xA0 and make `†` of it.
_LOST_APOSTROPHE = re.compile(r"(?<=[^\W\d_])â€ (?=[^\W\d_])")
_NBSP = "\u00a0"
_BLANKS = re.compile(r"\n{3,}")


def _in_url(text: str, at: int) -> bool:
    """True when position `at` lies in a URL-like token (a `?` there is a query string)."""
    left = text.rfind(" ", 0, at) + 1
    right = text.find(" ", at)
    token = text[left : right if right >= 0 else len(text)]
    return "://" in token or token.startswith("www.") or "=" in token[at - left :]


def _has_nbsp_damage(text: str) -> bool:
    return any(not _in_url(text, m.start()) for m in _EVIDENCE.finditer(text))


@lru_cache(maxsize=1)
def _ftfy() -> tuple[Any, Any, Any]:
    """ftfy's `fix_text` with its two configurations, imported on first use (importing
    it compiles its tables: tens of ms)."""
    import ftfy

    return (
        ftfy.fix_text,
        # Full-width punctuation is how Chinese and Japanese are written: kept too.
        ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False),
        ftfy.TextFixerConfig(fix_encoding=False, uncurl_quotes=False, fix_character_width=False),
    )


# Text that ftfy (6.x, default fixes) leaves as it is, so `_fix` need not import it.
# Its characters: ASCII without `&` (HTML entities), CR (line breaks) and the control
# characters ftfy removes (ESC with them), plus Latin-1 and Latin Extended-A letters and
# signs, general punctuation (dashes, quotes, bullet, ellipsis) and the euro sign. Out
# of those ranges: C1 controls, the ligatures ftfy splits (Ĳ ĳ ŉ), and Â Ã Œ œ, which
# alone can make ftfy's mojibake heuristic fire. No character here is one ftfy's width,
# ligature, control, surrogate or line-break fixes change, so on such text they do
# nothing and ftfy (quotes kept) only normalizes to NFC (checked as well).
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


def _fix(text: str) -> str:
    """ftfy's fix of non-ASCII `text`: mojibake undone, quotes kept, NFC."""
    if (
        _UNCURLABLE.fullmatch(text)
        and not (_MOJIBAKE_LEAD.search(text) and _NON_ASCII_PAIR.search(text))
        and unicodedata.is_normalized("NFC", text)
    ):
        return text
    text = _LOST_APOSTROPHE.sub("’", text)
    fix_text, fix_all, fix_no_encoding = _ftfy()
    return str(fix_text(text, fix_all if _MOJIBAKE_LEAD.search(text) else fix_no_encoding))


_RUNS = re.compile(r"[^\S\u00a0\u202f]+")


def squash(text: str) -> str:
    """`text` on one line: runs of white space as one space, no-break spaces kept.

    >>> squash("Lyon\u00a0:  une\n ville")
    'Lyon\xa0: une ville'
    """
    return _RUNS.sub(" ", text).strip()


def _space(match: re.Match[str]) -> str:
    # A single no-break space is kept as written; any other run is one space.
    run = match.group(0)
    return run if run in ("\u00a0", "\u202f") else " "


@lru_cache(maxsize=16)
def _typography(code: str | None) -> tuple[re.Pattern[str], ...]:
    """The `?` patterns of a language's no-break spaces and elisions (none for most)."""
    from newsletter.content.languages import language

    table = language(code)
    if table is None or not (table.nbsp_before or table.nbsp_after or table.elision):
        return ()
    patterns = []
    if table.elision:
        patterns.append(re.compile(table.elision, re.I))
    before = re.escape(table.nbsp_before)
    after = re.escape(table.nbsp_after)
    if before:
        patterns.append(re.compile(rf"(?<=[^\s?])\?(?=[{before}])"))
    if after:
        patterns.append(re.compile(rf"(?<=[{after}])\?(?=\S)"))
    return tuple(patterns)


def _french_spaces(text: str, patterns: tuple[re.Pattern[str], ...], elision: bool) -> str:
    rest = patterns
    if elision:
        text = patterns[0].sub(r"\g<1>’", text)
        rest = patterns[1:]
    for pattern in rest:
        text = pattern.sub(lambda m: "?" if _in_url(m.string, m.start()) else _NBSP, text)
    return text


def repair(text: str, language: str | None = None) -> str:
    """Return `text` with mojibake fixed, lost NBSPs restored, spaces normalized.

    >>> repair("Generative AI?poses risks.?(PHOTO:?VCG)?")
    'Generative AI poses risks. (PHOTO: VCG)'
    >>> repair("Can it ensure multilateralism?")
    'Can it ensure multilateralism?'

    The `?` rules run only on text that shows the damage (a `?` glued between two
    words), so a document with real questions and no damage is left alone.
    Lines are stripped, runs of spaces collapsed (a lone no-break space is kept),
    and blank lines kept (at most one in a row) because they separate paragraphs.
    `language` (a BCP 47 tag) adds that language's typography rules, if it has any.
    """
    if not text.isascii():
        text = _fix(text)
    text = _INVISIBLE.sub("", text)
    if "?" in text:
        typography = _typography(language)
        french = bool(typography) and any(p.search(text) for p in typography)
        if french or _has_nbsp_damage(text):
            replacement = " "
            if typography:
                from newsletter.content.languages import language as table_of

                table = table_of(language)
                assert table is not None
                text = _french_spaces(text, typography, bool(table.elision))
                if table.nbsp_before or table.nbsp_after:
                    replacement = _NBSP  # the space such a language loses is a no-break one
            text = _INNER.sub(lambda m: "?" if _in_url(m.string, m.start()) else replacement, text)
            text = _TRAILING.sub("", text)
    text = _SPACES.sub(_space, text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
