"""Score extractive summaries with ROUGE on bbc_clean_100.jsonl, beside Lead-3 from the same run.

Each article's non-empty lines are its paragraphs; the reference summary's lines
are its sentences. Scores are Google's rouge-score F1 ×100 with the Porter
stemmer: ROUGE-1, ROUGE-2, and summary-level ROUGE-L (rougeLsum, sentences on
separate lines). Lead-3 is the first three sentences of the article, split by
the same splitter. Timing covers `summarize` alone, and `clean_scraped` +
`summarize` on the article as raw text.

The reference summaries of this set look machine-selected, so a high score here
is a regression check, not a claim of quality.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from evaluation.data import eval_dir
from newsletter.content.clean import clean_scraped
from newsletter.content.summarize import split_sentences, summarize

_METRICS = ("rouge1", "rouge2", "rougeLsum")


def _lead(paragraphs: Sequence[str], n: int) -> list[str]:
    out: list[str] = []
    for paragraph in paragraphs:
        out.extend(split_sentences(paragraph))
        if len(out) >= n:
            break
    return out[:n]


def load(root: Path) -> list[dict[str, str]]:
    """The rows of bbc_clean_100.jsonl."""
    path = root / "bbc_clean_100.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line]


def _paragraphs(article: str) -> list[str]:
    return [line.strip() for line in article.splitlines() if line.strip()]


def score(
    rows: Sequence[dict[str, str]], system: Callable[[dict[str, str]], list[str]]
) -> dict[str, float]:
    """Mean ROUGE F1 ×100 of `system` over `rows`."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(_METRICS), use_stemmer=True)
    totals: dict[str, list[float]] = {m: [] for m in _METRICS}
    for row in rows:
        prediction = "\n".join(system(row))
        reference = "\n".join(_paragraphs(row["reference"]))
        result = scorer.score(reference, prediction)
        for m in _METRICS:
            totals[m].append(result[m].fmeasure * 100)
    return {m: statistics.fmean(v) for m, v in totals.items()}


def _timing(rows: Sequence[dict[str, str]], sentences: int) -> tuple[float, float]:
    texts = [f"{row['title']}\n\n{row['article']}" for row in rows]
    summarize(["Warm-up sentence for the splitter. Another one here."])
    start = time.perf_counter()
    for row in rows:
        summarize(_paragraphs(row["article"]), sentences=sentences, title=row["title"])
    alone = (time.perf_counter() - start) * 1000 / len(rows)
    start = time.perf_counter()
    for text in texts:
        clean = clean_scraped(text)
        summarize(clean.paragraphs, sentences=sentences, title=clean.title)
    both = (time.perf_counter() - start) * 1000 / len(rows)
    return alone, both


def report(root: Path, *, sentences: int = 3) -> list[str]:
    """Lines of the summary report."""
    rows = load(root)

    def ours(row: dict[str, str]) -> list[str]:
        result = summarize(_paragraphs(row["article"]), sentences=sentences, title=row["title"])
        return list(result.sentences)

    def lead(row: dict[str, str]) -> list[str]:
        return _lead(_paragraphs(row["article"]), sentences)

    results = [
        (f"ours: summarize(sentences={sentences})", score(rows, ours)),
        (f"Lead-{sentences}", score(rows, lead)),
    ]
    if sentences != 3:
        results.append(("Lead-3", score(rows, lambda row: _lead(_paragraphs(row["article"]), 3))))
    alone, both = _timing(rows, sentences)
    lines = [
        f"Summaries, {len(rows)} articles of {root / 'bbc_clean_100.jsonl'}",
        "rouge-score F1 x100, use_stemmer=True",
        f"{'system':<34} {'R-1':>6} {'R-2':>6} {'R-Lsum':>6}",
    ]
    for name, s in results:
        lines.append(f"{name:<34} {s['rouge1']:6.2f} {s['rouge2']:6.2f} {s['rougeLsum']:6.2f}")
    lines.append(
        f"time per article: summarize {alone:.2f} ms; clean_scraped + summarize {both:.2f} ms"
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=3, help="summary length (default 3)")
    args = parser.parse_args(argv)
    print("\n".join(report(eval_dir(), sentences=args.sentences)))


if __name__ == "__main__":
    main()
