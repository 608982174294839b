"""Score HTML main-text extraction on the ScrapingHub benchmark pages in ../shared/eval.

The metric is the benchmark's own (scrapinghub/article-extraction-benchmark,
evaluate.py): texts are tokenized into words (`\\w+`), compared as multisets of
word 4-grams ("shingles"), each page's TP/FP/FN normalized so long pages do not
weigh more, precision and recall averaged over pages, F1 from the averages.
The same with single words (n=1, a bag-of-words F1) is printed beside it.

Rows: our `extract_html` (as shipped, and with the other `favor_precision`
setting), plain `trafilatura.extract` with its defaults run here, and the
outputs the benchmark stored for trafilatura and the other libraries.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from evaluation.data import eval_dir
from newsletter.content.htmltext import FAVOR_PRECISION, extract_html

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _ngrams(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def tp_fp_fn(true: str, pred: str, n: int) -> tuple[float, float, float]:
    """The benchmark's per-page counts, normalized to sum to 1."""
    t, p = _ngrams(true, n), _ngrams(pred, n)
    t.pop((), None)
    p.pop((), None)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(
    truth: Mapping[str, str], predicted: Mapping[str, str], n: int
) -> tuple[float, float, float]:
    """(precision, recall, F1) over all pages, as the benchmark computes them."""
    precisions, recalls = [], []
    for key, gold in truth.items():
        tp, fp, fn = tp_fp_fn(gold, predicted.get(key, ""), n)
        if fp == fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _run(pages: Mapping[str, str], extract: Callable[[str], str]) -> tuple[dict[str, str], float]:
    out: dict[str, str] = {}
    start = time.perf_counter()
    for key, html in pages.items():
        out[key] = extract(html)
    return out, (time.perf_counter() - start) * 1000 / max(1, len(pages))


def _ours(favor_precision: bool) -> Callable[[str], str]:
    def extract(html: str) -> str:
        article = extract_html(html, favor_precision=favor_precision)
        return article.text if article else ""

    return extract


def _trafilatura_default(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def _trafilatura_precision(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, favor_precision=True) or ""


def report(root: Path, *, others: bool = True) -> list[str]:
    """Lines of the extraction report."""
    bench = root / "scrapinghub_50"
    truth_raw = json.loads((bench / "ground-truth.json").read_text(encoding="utf8"))
    truth = {k: v.get("articleBody", "") for k, v in truth_raw.items()}
    pages = {
        k: gzip.decompress((bench / "html" / f"{k}.html.gz").read_bytes()).decode("utf8", "replace")
        for k in truth
    }
    reference = json.loads((bench / "reference_outputs.json").read_text(encoding="utf8"))

    rows: list[tuple[str, dict[str, str], float | None]] = []
    shipped = f"ours: extract_html (favor_precision={FAVOR_PRECISION}, shipped)"
    rows.append((shipped, *_run(pages, _ours(FAVOR_PRECISION))))
    rows.append(
        (
            f"ours: extract_html (favor_precision={not FAVOR_PRECISION})",
            *_run(pages, _ours(not FAVOR_PRECISION)),
        )
    )
    import trafilatura

    rows.append(
        (
            f"trafilatura {trafilatura.__version__} extract(), defaults, this run",
            *_run(pages, _trafilatura_default),
        )
    )
    rows.append(
        (
            f"trafilatura {trafilatura.__version__} extract(favor_precision=True), this run",
            *_run(pages, _trafilatura_precision),
        )
    )
    names = [n for n in reference if n == "trafilatura"]
    if others:
        names += sorted(n for n in reference if n != "trafilatura")
    for name in names:
        entry = reference[name]
        predicted = {k: v.get("articleBody", "") for k, v in entry["output"].items()}
        rows.append(
            (f"{name} {entry.get('version', '')} (benchmark's stored output)", predicted, None)
        )

    lines = [
        f"HTML extraction, {len(truth)} pages of {bench}",
        "metric: scrapinghub benchmark (word 4-gram shingles), and bag of words (n=1)",
        f"{'extractor':<64} {'P':>6} {'R':>6} {'F1':>6}   {'F1 n=1':>6}  {'ms/page':>7}",
    ]
    for name, predicted, ms in rows:
        p, r, f = scores(truth, predicted, 4)
        f1_words = scores(truth, predicted, 1)[2]
        timing = f"{ms:7.1f}" if ms is not None else "      -"
        lines.append(f"{name:<64} {p:6.3f} {r:6.3f} {f:6.3f}   {f1_words:6.3f}  {timing}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only-trafilatura", action="store_true", help="skip the other libraries")
    args = parser.parse_args(argv)
    print("\n".join(report(eval_dir(), others=not args.only_trafilatura)))


if __name__ == "__main__":
    main()
