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
    dedupe._pairs_lsh([dedupe.shingles("warm up the datasketch import")] * 2, 0.25)
    print(f"{'texts':>6} {'exact ms':>9} {'LSH ms':>8} {'same pairs':>10}")
    for n in (50, 100, 200, 300, 400, 600, 800, 1200):
        sets = [dedupe.shingles(t) for t in _texts(n)]
        start = time.perf_counter()
        exact = dedupe._pairs_exact(sets, 0.25)
        t_exact = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        lsh = dedupe._pairs_lsh(sets, 0.25)
        t_lsh = (time.perf_counter() - start) * 1000
        print(f"{n:>6} {t_exact:9.1f} {t_lsh:8.1f} {set(exact) == set(lsh)!s:>10}")


if __name__ == "__main__":
    main()
