"""Every file of feedparser's test corpus through the feed reader, with figures.

    python -m tests.sources.feed_corpus [DIR]

DIR is the `tests/` folder of an unpacked feedparser sdist; without it the sdist is
fetched with `pip download feedparser --no-binary :all: --no-deps` into a temporary
folder. Prints the files read, entries read, entries skipped by reason, tracebacks, and
markup left in titles (a tag or an entity reference where a reader shows plain text).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from html.entities import html5
from pathlib import Path

import feedparser

from newsletter.config import SourceConfig
from newsletter.sources.feeds import feed_articles
from newsletter.sources.feedtext import plain as plain_title

# A tag of an HTML element, or an entity reference, left in text meant to be plain.
MARKUP = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);"
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Figures:
    files: int = 0
    feeds: int = 0
    entries: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    not_feeds: Counter[str] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    markup: list[tuple[str, str]] = field(default_factory=list)
    scripts: int = 0  # entries whose text still holds a <script> tag
    titles: int = 0  # every entry's and feed's title, skipped entries' too
    title_markup: list[tuple[str, str]] = field(default_factory=list)


def corpus_files(tests: Path) -> list[Path]:
    return sorted(
        p
        for p in tests.rglob("*")
        if p.is_file() and p.suffix in (".xml", ".rdf", ".json", ".gz", ".z", ".zz", ".bz2")
    )


def run(files: list[Path]) -> Figures:
    figures = Figures()
    source = SourceConfig("feed", "https://corpus.example/feed")
    for path in files:
        figures.files += 1
        try:
            articles, failures = feed_articles(path.read_bytes(), source, "corpus", NOW)
        except Exception:
            figures.tracebacks.append(f"{path}\n{traceback.format_exc()}")
            continue
        sources = field_values(path.read_bytes())
        for title in all_titles(path.read_bytes()):
            figures.titles += 1
            if markup_left(title, sources):
                figures.title_markup.append((str(path), title))
        if articles or any("entry" in f.origin for f in failures):
            figures.feeds += 1
        for failure in failures:
            reason = re.sub(r"“.*”", "“…”", failure.reason)
            if "entry" in failure.origin:
                figures.skipped[reason] += 1
            else:
                figures.not_feeds[reason.split(" (")[0]] += 1
        for article in articles:
            figures.entries += 1
            if re.search(r"<script\b", article.body, re.I):
                figures.scripts += 1
            if markup_left(article.title, sources) or markup_left(article.source or "", sources):
                figures.markup.append((str(path), article.title))
    return figures


def field_values(body: bytes) -> tuple[list[str], list[str]]:
    """The HTML-typed and the plain-typed text values of every entry, as feedparser gives them."""
    html, plain = [], []
    parsed = feedparser.parse(body, sanitize_html=True)
    for entry in [parsed.feed, *parsed.entries]:
        details = [
            entry.get("title_detail"),
            entry.get("summary_detail"),
            *(entry.get("content") or []),
        ]
        for detail in details:
            if detail and isinstance(detail.get("value"), str):
                kind = str(detail.get("type") or "")
                if "html" in kind or "xml" in kind:
                    html.append(detail["value"])
                elif kind.startswith("text/"):
                    plain.append(detail["value"])
    return html, plain


def all_titles(body: bytes) -> list[str]:
    """Every title of the document as the reader makes it plain, entries skipped or not."""
    parsed = feedparser.parse(body, sanitize_html=True)
    titles = [plain_title(parsed.feed.get("title"), parsed.feed.get("title_detail"))]
    titles += [plain_title(e.get("title"), e.get("title_detail")) for e in parsed.entries]
    return [t for t in titles if t]


def markup_left(title: str, sources: tuple[list[str], list[str]]) -> bool:
    """A tag that was markup in an HTML field, or an entity reference that was one, left in
    the title. Brackets a feed escaped as text (`&lt;blink&gt;`, or a plain-text field's
    `<blink>`) are text a reader shows, not markup."""
    html, plain = sources
    for found in MARKUP.findall(title):
        if found.startswith("&"):
            if found[1:] not in html5 and not found.startswith("&#"):
                continue  # `&doesnotexist;` is no entity: text a reader shows as it is
            escaped = "&amp;" + found[1:]
            if not any(escaped in v for v in html) and not any(found in v for v in plain):
                return True
        elif not any(
            html_escape(found, quote=False) in v or found.replace("<", "&lt;") in v
            for v in html + plain
        ) and not any(found in v for v in plain):
            return True
    return False


def fetch_sdist(into: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "feedparser",
            "--no-binary",
            ":all:",
            "--no-deps",
            "-q",
            "-d",
            str(into),
        ],
        check=True,
    )
    archive = next(into.glob("feedparser-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return next(into.glob("feedparser-*/tests"))


def report(figures: Figures) -> str:
    lines = [
        f"files: {figures.files}",
        f"files with entries: {figures.feeds} (the others test feed-level elements only)",
        f"entries read: {figures.entries}",
        f"entries skipped: {sum(figures.skipped.values())}",
        *(f"  {n} {why}" for why, n in figures.skipped.most_common()),
        f"files that are no feed to read: {sum(figures.not_feeds.values())}",
        *(f"  {n} {why}" for why, n in figures.not_feeds.most_common()),
        f"tracebacks: {len(figures.tracebacks)}",
        f"entries whose text keeps a <script> tag: {figures.scripts}",
        f"titles and source names of the entries read with markup left: {len(figures.markup)}",
        *(f"  {path}: {title!r}" for path, title in figures.markup[:20]),
        f"every feed and entry title (skipped entries too): {figures.titles}, "
        f"with markup left: {len(figures.title_markup)}",
        *(f"  {path}: {title!r}" for path, title in figures.title_markup[:20]),
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1:
        tests = Path(sys.argv[1])
        files = corpus_files(tests)
        print(report(run(files)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tests = fetch_sdist(Path(tmp))
        files = corpus_files(tests)
        print(report(run(files)))


if __name__ == "__main__":
    main()
