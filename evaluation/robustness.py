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


def page(case: dict[str, Any]) -> str:
    """The case as a web page: the lines above the headline in a header (banner text
    in a plain <div>, short lines as buttons, breadcrumbs in a <nav>), the headline an
    <h1>, every later line a <p>, <li> or table row inside the <article>, as sites
    that print their furniture in the article flow do."""
    from html import escape

    lines = [line for line in case["text"].split("\n") if line.strip()]
    at = lines.index(case["title"])
    head = []
    for line in lines[:at]:
        if ">" in line or "›" in line:
            crumbs = "".join(f'<a href="#">{escape(c.strip())}</a>' for c in line.split(">"))
            head.append(f'<nav class="crumbs">{crumbs}</nav>')
        elif len(line.split()) <= 3:
            head.append(f"<button>{escape(line)}</button>")
        else:
            head.append(f"<div><p>{escape(line)}</p></div>")
    body: list[str] = []
    rows: list[str] = []
    items: list[str] = []

    def close() -> None:
        if items:
            body.append("<ol>" + "".join(items) + "</ol>")
            items.clear()
        if rows:
            body.append("<table>" + "".join(rows) + "</table>")
            rows.clear()

    for line in lines[at + 1 :]:
        text = line.strip()
        if text[:2].rstrip(".").isdigit() and ". " in text[:4]:
            items.append(f"<li>{escape(text.split('. ', 1)[1])}</li>")
            continue
        if " | " in text and "|" in text:
            cells = "".join(f"<td>{escape(c.strip())}</td>" for c in text.split("|"))
            rows.append(f"<tr>{cells}</tr>")
            continue
        close()
        body.append(f"<p>{escape(text)}</p>")
    close()
    lang = case["language"]
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(case['title'])}</title></head><body>"
        f"<header>{''.join(head)}</header><main><article><h1>{escape(case['title'])}</h1>"
        f"{''.join(body)}</article></main></body></html>"
    )


def html_report() -> list[str]:
    """HTML extraction on the cases rendered as pages: F1 against the gold body (the
    extraction benchmark's word 4-grams), the headline, boilerplate left in the text."""
    import trafilatura

    from evaluation.extraction import scores
    from newsletter.content.htmltext import extract_html

    cases = load()
    truth = {c["name"]: "\n".join(c["body"]) for c in cases}
    pages = {c["name"]: page(c) for c in cases}

    def ours(html: str) -> tuple[str, str]:
        article = extract_html(html)
        return (article.text, article.title or "") if article else ("", "")

    def plain(precision: bool) -> Any:
        def run(html: str) -> tuple[str, str]:
            doc = trafilatura.bare_extraction(html, favor_precision=precision, with_metadata=True)
            if doc is None:
                return "", ""
            data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
            return data.get("text") or "", data.get("title") or ""

        return run

    systems = [
        ("ours: extract_html", ours),
        ("trafilatura extract(), defaults", plain(False)),
        ("trafilatura favor_precision=True", plain(True)),
    ]
    lines = [
        f"HTML pages made of the same {len(cases)} cases (gold: their `body`)",
        f"{'extractor':<36} {'P':>6} {'R':>6} {'F1':>6}  {'title':>5}  {'boiler':>6}",
    ]
    for name, run in systems:
        out = {key: run(html) for key, html in pages.items()}
        p, r, f = scores(truth, {k: v[0] for k, v in out.items()}, 4)
        titles = sum(out[c["name"]][1] == c["title"] for c in cases)
        leaked = sum(
            1
            for c in cases
            if any(b.lower() in out[c["name"]][0].lower() for b in c["boilerplate"])
        )
        lines.append(
            f"{name:<36} {p:6.3f} {r:6.3f} {f:6.3f}  {titles:>2}/{len(cases)}  {leaked:>3}/{len(cases)}"
        )
    return lines


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
    print()
    print("\n".join(html_report()))


if __name__ == "__main__":
    main()
