"""Near-duplicate detection: word shingles, Jaccard similarity, grouping.

Pure: takes strings, returns indices; never opens files or sockets.

Two articles are the same story when their word 5-shingle Jaccard similarity is
0.25 or more (0.25-0.5: the same story written anew; 0.5-0.9: lightly edited
copies; 0.9 and up: re-posts). Grouping is exact at every batch size: candidate
pairs come from an inverted index of each text's rarest shingles (prefix
filtering: two sets that reach the threshold always share one of those), and
every candidate is confirmed with the exact Jaccard. Texts whose shingles occur
nowhere else cost one set difference.

`_pairs_exact` (every pair) is kept as the reference the tests and
evaluation/dedupe_crossover.py compare with (the latter also times MinHash-LSH).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import TypeVar

__all__ = ["LSH_FROM", "group_near_duplicates", "jaccard", "shingles"]

# Batch size from which MinHash-LSH beats exact pairwise comparison
# (measured by evaluation/dedupe_crossover.py on news-length texts). Grouping
# no longer uses either path; the figure stays for that comparison.
LSH_FROM = 300

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

_T = TypeVar("_T", bound=Hashable)


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def _shingle_texts(text: str, k: int) -> frozenset[str]:
    """The k-word shingles of `text` themselves, words joined by one space."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    if not words:
        return frozenset()
    if len(words) < k:
        return frozenset({" ".join(words)})
    return frozenset(map(" ".join, zip(*(words[i:] for i in range(k)), strict=False)))


def shingles(text: str, k: int = 5) -> frozenset[int]:
    """Hashes of the k-word shingles of `text` (lower-cased words, punctuation ignored).

    A text shorter than `k` words gives one shingle of all its words; an empty
    text gives none. Hashes are stable across runs (blake2b, not `hash`).
    """
    return frozenset(_hash(s) for s in _shingle_texts(text, k))


def jaccard(a: frozenset[_T], b: frozenset[_T]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty (nothing to call the same)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _pairs_exact(sets: Sequence[frozenset[_T]], threshold: float) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, j in combinations(range(len(sets)), 2)
        if jaccard(sets[i], sets[j]) >= threshold
    ]


def _pairs_indexed(sets: Sequence[frozenset[_T]], threshold: float) -> list[tuple[int, int]]:
    """Every pair (i, j), i < j, whose Jaccard is `threshold` or more: the same pairs as
    `_pairs_exact`, through an index instead of every comparison.

    Shingles are ordered rarest first (ties by value). If |A ∩ B| >= o, the first
    |A| - o + 1 shingles of A and the first |B| - o + 1 of B both hold the first
    shared shingle; Jaccard >= t implies o >= floor(t * |A|) for each side, so those
    prefixes are indexed and probed. A shingle of one set only never pairs anything:
    a set whose prefix is all such shingles is skipped.
    """
    if not threshold > 0:  # every pair qualifies, even with nothing in common (NaN: none)
        return _pairs_exact(sets, threshold)
    if threshold > 1:  # no Jaccard is above 1
        return []
    met: set[_T] = set()
    shared_anywhere: set[_T] = set()  # shingles of two sets or more
    for s in sets:
        shared_anywhere |= s & met
        met |= s
    shared_of = [s & shared_anywhere for s in sets]
    counts: Counter[_T] = Counter()  # in how many sets each shared shingle is
    for shared in shared_of:
        counts.update(shared)
    index: dict[_T, list[int]] = {}
    pairs: list[tuple[int, int]] = []
    for i, (s, shared) in enumerate(zip(sets, shared_of, strict=True)):
        size = len(s)
        prefix = size - int(threshold * size) + 1
        rest = prefix - (size - len(shared))  # shared shingles in the prefix
        if rest <= 0:
            continue
        seen: set[int] = set()
        for key in sorted(shared, key=lambda key: (counts[key], key))[:rest]:
            bucket = index.setdefault(key, [])
            seen.update(bucket)
            bucket.append(i)
        pairs += [(j, i) for j in sorted(seen) if jaccard(sets[j], s) >= threshold]
    return sorted(pairs)


def group_near_duplicates(
    texts: Sequence[str], *, threshold: float = 0.25, k: int = 5
) -> list[list[int]]:
    """Indices of `texts` grouped by near-duplication (transitively).

    >>> group_near_duplicates(["a b c d e f g", "x y z", "a b c d e f g h"])
    [[0, 2], [1]]

    Every index appears in exactly one group; each group is sorted and groups are
    ordered by their first index. Jaccard is that of `shingles`, computed on the
    shingles themselves rather than their hashes.
    """
    sets = [_shingle_texts(t, k) for t in texts]
    parent = list(range(len(sets)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _pairs_indexed(sets, threshold):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(sets)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
