"""Measure where MinHash-LSH grouping gets faster than exact pairwise Jaccard.

Texts are the BBC articles of ../shared/eval, each also cut into overlapping
halves, so batches of any size hold realistic news-length texts with some true
near-duplicates. Prints, per batch size, the time of each path and whether both
found the same pairs.
"""

from __future__ import annotations

import time

from evaluation.data import eval_dir
from evaluation.summaries import load
from newsletter.content import dedupe

NUM_PERM = 128


def _low32(value: int) -> int:
    # Shingle hashes are already uniform; MinHash wants 32-bit values.
    return value & 0xFFFFFFFF


def pairs_lsh(sets: list[frozenset[int]], threshold: float) -> list[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    # A lower LSH threshold than the target keeps misses rare; exact Jaccard decides.
    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.6), num_perm=NUM_PERM)
    signatures = []
    for i, s in enumerate(sets):
        mh = MinHash(num_perm=NUM_PERM, hashfunc=_low32)
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
    return sorted(p for p in pairs if dedupe.jaccard(sets[p[0]], sets[p[1]]) >= threshold)


def _texts(n: int) -> list[str]:
    rows = load(eval_dir())
    base = [row["article"] for row in rows]
    texts: list[str] = []
    shift = 0
    while len(texts) < n:
        for article in base:
            words = article.split()
            cut = len(words) // 3 + shift
            texts.append(" ".join(words[cut:] + words[:cut]) if shift else article)
            texts.append(" ".join(words[: len(words) // 2 + shift]))
        shift += 7
    return texts[:n]


def main() -> None:
    pairs_lsh([dedupe.shingles("warm up the datasketch import")] * 2, 0.25)
    print(f"{'texts':>6} {'exact ms':>9} {'LSH ms':>8} {'same pairs':>10}")
    for n in (50, 100, 200, 300, 400, 600, 800, 1200):
        sets = [dedupe.shingles(t) for t in _texts(n)]
        start = time.perf_counter()
        exact = dedupe._pairs_exact(sets, 0.25)
        t_exact = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        lsh = pairs_lsh(sets, 0.25)
        t_lsh = (time.perf_counter() - start) * 1000
        print(f"{n:>6} {t_exact:9.1f} {t_lsh:8.1f} {set(exact) == set(lsh)!s:>10}")


if __name__ == "__main__":
    main()
