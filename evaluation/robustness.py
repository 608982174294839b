"""Score the cleaner on scraped pages in the shapes real sites have, in many languages.

The cases (evaluation/robustness/cases.yaml, written for this set) carry consent
banners, skip links, breadcrumbs, mastheads, timestamps, bylines, disclosures,
lists and tables. For each: is the headline right, does any boilerplate reach the
three-sentence summary (the inbox preview), is the text that must stay in the
body, are the author and publication found.

`--against PATH` scores another checkout of the package (say, an export of an
earlier commit) in the same run, for a before/after table.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).parent / "robustness" / "cases.yaml"


def load() -> list[dict[str, Any]]:
    """The cases of cases.yaml."""
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return cases


def measure() -> dict[str, Any]:
    """Run the installed (or first on sys.path) `newsletter` on every case."""
    from newsletter.content.clean import clean_scraped
    from newsletter.content.summarize import summarize

    takes_language = "language" in inspect.signature(summarize).parameters
    for case in load():  # warm-up: the first call of each language loads its rules
        summarize(clean_scraped(case["text"]).paragraphs)
    rows = []
    start = time.perf_counter()
    for case in load():
        clean = clean_scraped(case["text"])
        kwargs = {"language": getattr(clean, "language", None)} if takes_language else {}
        summary = summarize(clean.paragraphs, sentences=3, title=clean.title, **kwargs)
        body = "\n".join(clean.paragraphs)
        leaked = [b for b in case["boilerplate"] if b.lower() in summary.text.lower()]
        in_body = [b for b in case["boilerplate"] if b.lower() in body.lower()]
        kept = [k for k in case.get("keep", ()) if k in body]
        rows.append(
            {
                "name": case["name"],
                "title_ok": clean.title == case["title"],
                "title": clean.title,
                "leaked": leaked,
                "in_body": in_body,
                "kept": f"{len(kept)}/{len(case.get('keep', ()))}",
                "kept_all": len(kept) == len(case.get("keep", ())),
                "source_ok": case.get("source") in (None, clean.source),
                "author_ok": case.get("author") in (None, clean.author),
                "language": getattr(clean, "language", None),
                "language_ok": getattr(clean, "language", None) == case["language"],
            }
        )
    ms = (time.perf_counter() - start) * 1000 / max(1, len(rows))
    return {"rows": rows, "ms": ms}


def _summary_line(label: str, result: dict[str, Any]) -> str:
    rows = result["rows"]
    n = len(rows)

    def count(key: str) -> int:
        return sum(1 for r in rows if r[key])

    leaked = sum(1 for r in rows if r["leaked"])
    return (
        f"{label:<10} {count('title_ok'):>3}/{n}  {leaked:>3}/{n}  "
        f"{sum(1 for r in rows if r['in_body']):>3}/{n}  {count('kept_all'):>3}/{n}  "
        f"{count('source_ok'):>3}/{n}  {count('author_ok'):>3}/{n}  "
        f"{count('language_ok'):>3}/{n}  {result['ms']:6.2f}"
    )


def report(against: Path | None = None) -> list[str]:
    """Lines of the robustness report: totals, then one line per case that failed."""
    results = [("this code", measure())]
    if against is not None:
        code = (
            "import json\n"
            "import evaluation.robustness as r, newsletter\n"
            f"assert newsletter.__file__.startswith({str(against)!r}), newsletter.__file__\n"
            "print(json.dumps(r.measure()))"
        )
        env_path = f"{against}:{Path(__file__).resolve().parents[1]}"
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
            cwd=against,
        )
        results.insert(0, (f"{against.name}", json.loads(done.stdout)))
    lines = [
        f"Robustness, {len(load())} scraped pages of {CASES.relative_to(CASES.parents[2])}",
        "headline right; boilerplate in the summary; boilerplate in the body; all kept text"
        " kept; source; author; language; ms/article",
        f"{'code':<10} {'title':>5}  {'summ':>5}  {'body':>5}  {'kept':>5}  {'src':>5}  "
        f"{'auth':>5}  {'lang':>5}  {'ms':>6}",
    ]
    lines += [_summary_line(label, result) for label, result in results]
    for label, result in results:
        for row in result["rows"]:
            problems = []
            if not row["title_ok"]:
                problems.append(f"headline {row['title']!r}")
            if row["leaked"]:
                problems.append(f"summary has {row['leaked']}")
            if row["in_body"]:
                problems.append(f"body has {row['in_body']}")
            if not row["kept_all"]:
                problems.append(f"kept {row['kept']}")
            for key in ("source_ok", "author_ok", "language_ok"):
                if not row[key]:
                    problems.append(f"{key.removesuffix('_ok')} wrong")
            if problems:
                lines.append(f"  {label}: {row['name']}: {'; '.join(problems)}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to score beside this one")
    args = parser.parse_args(argv)
    print("\n".join(report(args.against)))


if __name__ == "__main__":
    main()
