"""Run every evaluation: `python -m evaluation`."""

from __future__ import annotations

from evaluation import extraction, robustness, summaries
from evaluation.data import eval_dir


def main() -> None:
    root = eval_dir()
    print("\n".join(extraction.report(root)))
    print()
    print("\n".join(summaries.report(root)))
    print()
    print("\n".join(robustness.report()))
    print()
    print("\n".join(robustness.html_report()))


if __name__ == "__main__":
    main()
