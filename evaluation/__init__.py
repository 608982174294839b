"""Measurements of the content pipeline against public data in ../shared/eval.

Nothing here ships with the package: the scripts read the data where it lies at
run time and print scores beside the baselines computed in the same run.

    python -m evaluation            every report
    python -m evaluation.extraction HTML main-text extraction, word-shingle F1
    python -m evaluation.summaries  extractive summaries, ROUGE
    python -m evaluation.robustness scraped pages in many languages (own set), text and HTML
"""
