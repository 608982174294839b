"""Near-duplicate detection: word shingles, Jaccard similarity, grouping.

Pure: takes strings, returns indices; never opens files or sockets.

Two articles are the same story when their word 5-shingle Jaccard similarity is
0.25 or more (0.25-0.5: the same story written anew; 0.5-0.9: lightly edited
copies; 0.9 and up: re-posts). Small batches are compared pair by pair, exactly.
Large ones go through MinHash-LSH (datasketch) to find candidate pairs, and each
candidate pair is confirmed with the exact Jaccard, so LSH can only miss a pair
(rarely), never invent one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import combinations

__all__ = ["LSH_FROM", "group_near_duplicates", "jaccard", "shingles"]

# Batch size from which MinHash-LSH beats exact pairwise comparison
# (measured by evaluation/dedupe_crossover.py on news-length texts).
LSH_FROM = 300
_NUM_PERM = 128

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingles(text: str, k: int = 5) -> frozenset[int]:
    """Hashes of the k-word shingles of `text` (lower-cased words, punctuation ignored).

    A text shorter than `k` words gives one shingle of all its words; an empty
    text gives none. Hashes are stable across runs (blake2b, not `hash`).
    """
    words = _WORD.findall(text.lower().replace("’", "'"))
    if not words:
        return frozenset()
    if len(words) < k:
        return frozenset({_hash(" ".join(words))})
    return frozenset(_hash(" ".join(words[i : i + k])) for i in range(len(words) - k + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty (nothing to call the same)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _pairs_exact(sets: list[frozenset[int]], threshold: float) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, j in combinations(range(len(sets)), 2)
        if jaccard(sets[i], sets[j]) >= threshold
    ]


def _low32(value: int) -> int:
    # Shingle hashes are already uniform; MinHash wants 32-bit values.
    return value & 0xFFFFFFFF


def _pairs_lsh(sets: list[frozenset[int]], threshold: float) -> list[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    # A lower LSH threshold than the target keeps misses rare; exact Jaccard decides.
    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.6), num_perm=_NUM_PERM)
    signatures = []
    for i, s in enumerate(sets):
        mh = MinHash(num_perm=_NUM_PERM, hashfunc=_low32)
        if s:
            mh.update_batch(list(s))
            lsh.insert(i, mh)
        signatures.append(mh)
    pairs: set[tuple[int, int]] = set()
    for i, s in enumerate(sets):
        if not s:
            continue
        for j in lsh.query(signatures[i]):
            if j != i:
                a_, b_ = (i, j) if i < j else (j, i)
                pairs.add((a_, b_))
    return sorted(p for p in pairs if jaccard(sets[p[0]], sets[p[1]]) >= threshold)


def group_near_duplicates(
    texts: Sequence[str], *, threshold: float = 0.25, k: int = 5
) -> list[list[int]]:
    """Indices of `texts` grouped by near-duplication (transitively).

    >>> group_near_duplicates(["a b c d e f g", "x y z", "a b c d e f g h"])
    [[0, 2], [1]]

    Every index appears in exactly one group; each group is sorted and groups are
    ordered by their first index.
    """
    sets = [shingles(t, k) for t in texts]
    finder = _pairs_lsh if len(sets) >= LSH_FROM else _pairs_exact
    parent = list(range(len(sets)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in finder(sets, threshold):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(sets)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
