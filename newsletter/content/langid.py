"""Which language an article is written in, as a BCP 47 primary tag ("en", "fr", "zh").

Pure: takes a string, returns a string or None; never opens files or sockets.

Two steps, cheapest first. The script decides for Chinese, Japanese and Korean
(kana means Japanese, hangul Korean, han alone Chinese). For Latin-script text,
the languages that have a table (`newsletter.content.languages`) vote with their
stop words (justext's lists, installed with trafilatura, read as data files): on article-length text
the share of a language's function words is decisive. Only when no table language
wins clearly is py3langid asked (its model takes most of a second to load, which
a newsletter of English and French articles never pays).
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from newsletter.content.languages import codes, language

__all__ = ["detect", "normalize_tag", "stopwords"]

_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

# A language wins the vote when this share of the words are its stop words,
# and it has this many times the next language's share.
_SHARE = 0.2
_MARGIN = 1.25
_SAMPLE = 250  # words looked at: enough for any article


def normalize_tag(tag: object) -> str | None:
    """A declared language ("fr-FR", "de_AT", "EN") as its lower-case primary subtag."""
    if not isinstance(tag, str) or not _TAG.match(tag.strip()):
        return None
    return tag.strip().replace("_", "-").split("-")[0].lower()


@cache
def stopwords(code: str | None) -> frozenset[str]:
    """The stop words of `code` (empty when the language has no list)."""
    table = language(code)
    if table is None or not table.stoplist:
        return frozenset()
    # justext's lists are read as files: importing justext would load lxml, which a
    # newsletter of Markdown articles never needs.
    spec = importlib.util.find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    folder = Path(next(iter(spec.submodule_search_locations))) / "stoplists"
    try:
        text = (folder / f"{table.stoplist}.txt").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(word.strip().lower() for word in text.splitlines() if word.strip())


_ANY_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _by_script(text: str) -> str | None:
    if not _ANY_CJK.search(text):
        return None
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    letters = sum(c.isalpha() for c in text) or 1
    if (han + kana + hangul) / letters < 0.3:
        return None
    if kana >= 0.05 * (han + kana):
        return "ja"
    if hangul > han:
        return "ko"
    return "zh"


def _by_stopwords(words: list[str]) -> str | None:
    shares = []
    for code in codes():
        stop = stopwords(code)
        if stop:
            shares.append((sum(w in stop for w in words) / len(words), code))
    shares.sort(reverse=True)
    if not shares:
        return None
    best, code = shares[0]
    second = shares[1][0] if len(shares) > 1 else 0.0
    return code if best >= _SHARE and best >= _MARGIN * second else None


def _by_model(text: str) -> str | None:
    try:
        import py3langid  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a dependency, but never worth an issue
        return None
    code, _ = py3langid.classify(text[:5000])
    return str(code) or None


def detect(text: str) -> str | None:
    """The language of `text`, or None when there is too little text to tell.

    >>> detect("Le conseil municipal a voté lundi la rénovation du pont de la ville.")
    'fr'
    """
    script = _by_script(text[:5000])
    if script:
        return script
    words = [w.lower() for w in _TOKEN.findall(text[:20000])[:_SAMPLE]]
    if len(words) < 5:
        return None
    return _by_stopwords(words) or (_by_model(text) if len(words) >= 20 else None)
