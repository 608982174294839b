"""Extractive summaries and one-line teasers.

Pure: takes paragraphs, returns a frozen `Summary`; never opens files or sockets.

News puts its substance first, so the score leans on position (Lead-3 is hard to
beat on news without a trained model) and adds how central a sentence is to the
article (cosine with the article's word counts) and how much of the title it
repeats. Sentences are then picked greedily with maximal marginal relevance so
the summary does not say the same thing twice, and put back in article order.

Splitting sentences is the slow step, so only the paragraphs the summary can draw
from are split (see `sentences` for when pysbd is called).

The article's language picks the sentence rules and the stop words (English's
own list, or justext's list of the language); Chinese and Japanese count a word
for every two characters, and their terms are single characters. A run of list
items or table rows becomes one candidate sentence, "Top picks: Kia EV3, MG4, …",
so a listicle can be summarized by its list.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.content.repair import squash
from newsletter.content.sentences import sentences_of, split_sentences

__all__ = ["Summary", "split_sentences", "summarize", "teaser"]


@dataclass(frozen=True)
class Summary:
    """A few sentences taken verbatim from the article, and a one-line teaser."""

    sentences: tuple[str, ...]
    teaser: str

    @property
    def text(self) -> str:
        """The sentences joined by spaces."""
        return " ".join(self.sentences)


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(r"[^\W_]+")
_CJK_TOKEN = re.compile(f"[{_CJK}]|(?:(?![{_CJK}])[^\\W_])+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_STOPWORDS = """
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers herself him himself his
how i if in into is it its itself just me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such
than that the their theirs them themselves then there these they this those through
to too under until up very was we were what when where which while who whom why will
with would you your yours said says say mr mrs ms one two new year years
"""
_STOP = frozenset(_STOPWORDS.split())

_DANGLING = re.compile(
    r"""^["'‘“(]*(?:however|but|and|or|also|this|that|these|those|he|she|it|they|his|her|its
    |their|him|them|meanwhile|moreover|furthermore|additionally|still|yet|so|then|instead
    |nevertheless|nonetheless|besides|thus|therefore|hence|such|both|otherwise|likewise
    |similarly|consequently|accordingly|indeed|plus|again|here|there(?:fore|by)|in\ addition
    |as\ a\ result|on\ the\ other\ hand|despite\ this|even\ so|by\ contrast|in\ contrast
    |the\ latter|the\ former|after\ that|at\ the\ same\ time)\b""",
    re.I | re.X,
)
_ENDS_SENTENCE = re.compile(r"""[.!?…。！？]["'’”»」』)\]]*$""")

MIN_WORDS = 6
MAX_WORDS = 55
_POOL = 25  # sentences considered, from the top of the article
_LAMBDA = 0.7  # MMR: weight of relevance against redundancy


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class _Stems(dict[str, str | None]):
    """Word -> its stem, or None for a stop word; filled as words are met (a news
    vocabulary repeats, so most look-ups find the word already there)."""

    LIMIT = 200_000

    def __init__(self, stop: frozenset[str], stem: bool) -> None:
        super().__init__()
        self.stop = stop
        self.stem = stem

    def __missing__(self, word: str) -> str | None:
        if len(self) >= self.LIMIT:
            self.clear()
        stem = None if word in self.stop else _stem(word) if self.stem else word
        self[word] = stem
        return stem


_STEMS: dict[str, _Stems] = {"en": _Stems(_STOP, stem=True)}


def _stems_of(language: str | None) -> _Stems:
    code = (language or "en").split("-")[0].lower()
    stems = _STEMS.get(code)
    if stems is None:
        from newsletter.content.langid import stopwords

        # English suffixes mean nothing elsewhere: other languages keep their words whole.
        stems = _STEMS[code] = _Stems(stopwords(code), stem=False)
    return stems


def _terms(text: str, language: str | None = None) -> list[str]:
    stems = _stems_of(language)
    low = text.lower()
    tokens = (_CJK_TOKEN if _CJK_CHAR.search(low) else _TOKEN).findall(low)
    return [s for s in map(stems.__getitem__, tokens) if s is not None]


def _word_count(text: str) -> int:
    """Words by spaces; in Chinese and Japanese text, one for every two characters."""
    if not _CJK_CHAR.search(text):
        return len(text.split())
    cjk = len(_CJK_CHAR.findall(text))
    return len(_CJK_CHAR.sub(" ", text).split()) + (cjk + 1) // 2


@dataclass(frozen=True)
class _Terms:
    """Term counts with their Euclidean norm, computed once."""

    counts: Counter[str]
    norm: float

    @classmethod
    def of(cls, terms: list[str]) -> _Terms:
        counts = Counter(terms)
        values = counts.values()
        return cls(counts, math.sqrt(sum(map(operator.mul, values, values))))


def _cosine(x: _Terms, y: _Terms) -> float:
    a, b = x.counts, y.counts
    if not a or not b:
        return 0.0
    dot = sum(a[k] * b[k] for k in a.keys() & b.keys())  # integers: any order gives the same sum
    if not dot:
        return 0.0
    return dot / (x.norm * y.norm)


@dataclass(frozen=True)
class _Candidate:
    position: int
    text: str
    terms: _Terms
    words: int


_LIST_ITEM_WORDS = 12


def _is_item(paragraph: str) -> bool:
    """A list item or a table row: short, or cells, and not a finished sentence."""
    if " | " in paragraph:
        return True
    return _word_count(paragraph) <= _LIST_ITEM_WORDS and not _ENDS_SENTENCE.search(paragraph)


def _with_lists(paragraphs: Sequence[str]) -> list[str]:
    """`paragraphs` with each run of list items (and the line leading into it) as one
    sentence: "Top picks: Kia EV3, MG4 Trophy, Tesla Model 3." A table gives its first
    column, without the header row."""
    flat = [squash(p) for p in paragraphs]
    out: list[str] = []
    i = 0
    while i < len(flat):
        j = i
        table = " | " in flat[i]
        while (
            j < len(flat)
            and flat[j]
            and _is_item(flat[j])
            and not flat[j].endswith(":")
            and (" | " in flat[j]) == table
        ):
            j += 1
        if j - i >= 2:
            run = flat[i:j]
            if table:
                run = [r.split(" | ")[0] for r in run[1:]]
            lead = ""
            if out and out[-1].endswith(":"):
                lead = out.pop() + " "
            if len(run) >= 2:
                out.append(f"{lead}{', '.join(run)}.")
            i = j
            continue
        out.append(flat[i])
        i += 1
    return out


def _candidates(paragraphs: Sequence[str], language: str | None = None) -> list[_Candidate]:
    out: list[_Candidate] = []
    for flat in _with_lists(paragraphs):
        if not flat:
            continue
        for sentence in sentences_of(flat, language):
            out.append(
                _Candidate(
                    len(out),
                    sentence,
                    _Terms.of(_terms(sentence, language)),
                    _word_count(sentence),
                )
            )
        if len(out) >= _POOL:
            break
    return out[:_POOL]


def _usable(c: _Candidate) -> bool:
    return MIN_WORDS <= c.words <= MAX_WORDS and bool(_ENDS_SENTENCE.search(c.text))


def _relevance(cands: list[_Candidate], doc: _Terms, title: Counter[str]) -> list[float]:
    centrality = [_cosine(c.terms, doc) for c in cands]
    top = max(centrality, default=0.0) or 1.0
    scores = []
    for c, cent in zip(cands, centrality, strict=True):
        position = 1.0 / math.sqrt(1.0 + c.position)
        title_hit = (sum(1 for t in title if t in c.terms.counts) / len(title)) if title else 0.0
        score = 0.5 * position + 0.4 * (cent / top) + 0.1 * title_hit
        if c.text.rstrip("\"'’”)").endswith("?"):
            score *= 0.6
        scores.append(score)
    return scores


def summarize(
    paragraphs: Sequence[str],
    *,
    sentences: int = 3,
    title: str = "",
    language: str | None = None,
) -> Summary:
    """Pick `sentences` sentences of the article, verbatim, in article order.

    >>> s = summarize(["Rain fell across the north of the country on Monday night.",
    ...                "It flooded roads. Officials said the roads would reopen on Tuesday."],
    ...               sentences=2)
    >>> for sentence in s.sentences: print(sentence)
    Rain fell across the north of the country on Monday night.
    Officials said the roads would reopen on Tuesday.

    Deterministic: the same input always gives the same summary. Sentences that
    are too short or too long, or read as headings, are used only when nothing
    else is left; the summary never opens on a dangling "However," or "It" when
    another sentence can open it.
    """
    want = max(1, sentences)
    cands = _candidates(paragraphs, language)
    if not cands:
        return Summary((), "")
    doc_terms: list[str] = []
    for paragraph in paragraphs:
        doc_terms += _terms(paragraph, language)
    relevance = _relevance(cands, _Terms.of(doc_terms), Counter(_terms(title, language)))
    pool = [c for c in cands if _usable(c)] or cands
    dangling = {c.position for c in pool if _DANGLING.match(c.text)}

    chosen: list[_Candidate] = []
    # Each candidate's highest cosine with a chosen sentence (0.0 while none is),
    # brought up to date with the latest pick at the start of each round.
    redundancy = dict.fromkeys((c.position for c in pool), 0.0)
    while len(chosen) < want and len(chosen) < len(pool):
        best: tuple[float, int] | None = None
        picked = {c.position for c in chosen}
        opener = min(picked, default=None)
        for c in pool:
            if c.position in picked:
                continue
            if chosen:
                cosine = _cosine(c.terms, chosen[-1].terms)
                if len(chosen) == 1 or cosine > redundancy[c.position]:
                    redundancy[c.position] = cosine
            score = relevance[c.position]
            if c.position in dangling:
                if opener is None or c.position < opener:
                    score -= 10.0  # would open the summary
                elif c.position - 1 not in picked:
                    score *= 0.5
            mmr = _LAMBDA * score - (1 - _LAMBDA) * redundancy[c.position]
            if best is None or mmr > best[0]:
                best = (mmr, c.position)
        if best is None:
            break
        chosen.append(cands[best[1]])
    ordered = tuple(c.text for c in sorted(chosen, key=lambda c: c.position))
    return Summary(ordered, teaser(ordered[0]) if ordered else "")


_CLAUSE = re.compile(r"[,;:]\s|\s[-–—]\s")
_SENTENCE_END = re.compile(r"""[.!?]["'’”)\]]*\s""")


def teaser(text: str, *, limit: int = 90) -> str:
    """One line of at most `limit` characters: the text, its first sentence, or a clean cut.

    >>> teaser("Short and sweet.")
    'Short and sweet.'
    >>> teaser("The council approved the budget on Monday, raising spending on schools by a tenth.",
    ...        limit=60)
    'The council approved the budget on Monday…'
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit * 0.4:
        return head[: ends[-1]].strip()
    room = head[: limit - 1]
    clauses = [m.start() for m in _CLAUSE.finditer(room)]
    if clauses and clauses[-1] >= limit * 0.5:
        cut = room[: clauses[-1]]
    else:
        space = room.rfind(" ")
        cut = room[:space] if space >= limit * 0.3 else room
    return cut.rstrip(" ,;:-–—.") + "…"
