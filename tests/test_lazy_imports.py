"""Heavy libraries load only on the paths that use them, so `newsletter build` and
`newsletter send` pay for what the day's articles need and no more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Modules `build` of plain ASCII Markdown articles must not load (a few hundred ms together).
HEAVY = (
    "ftfy",  # text repair: only text that may hold mojibake or odd characters
    "wcwidth",
    "trafilatura",  # only HTML files
    "lxml",
    "datasketch",  # never: grouping is exact without it
    "scipy",
    "numpy",
    "feedparser",  # only feeds
    "httpx",
    "concurrent.futures",
    "importlib.metadata",  # only the User-Agent of a feed fetch
    "sqlite3",  # only a folder that has sent before
    "newsletter.content.clean",  # only scraped .txt files (the line rules)
    "newsletter.content.lines",
    "newsletter.content.htmltext",
)


def _loaded(code: str, cwd: Path | None = None) -> list[str]:
    """Run `code` in a fresh interpreter; the HEAVY modules it left loaded."""
    probe = (
        "import atexit, json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "atexit.register(lambda: print(json.dumps([m for m in heavy if m in sys.modules]),"
        " file=sys.stderr))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe + code], cwd=cwd, capture_output=True, text=True
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_importing_the_issue_pipeline_loads_nothing_heavy() -> None:
    """`newsletter.issue` (what build, preview and send import) loads none of them."""
    assert _loaded("import newsletter.issue") == []


def test_build_of_markdown_loads_nothing_heavy(folder: Path) -> None:
    """The sample folder without its scraped .txt article builds without ftfy,
    trafilatura, datasketch or the line rules."""
    for path in (folder / "articles").iterdir():
        if path.suffix != ".md":
            path.unlink()
    code = f"from newsletter.cli import main\nmain(['-C', {str(folder)!r}, 'build'])\n"
    assert _loaded(code) == []


def test_sample_folder_builds_without_ftfy(folder: Path) -> None:
    """The scraped sample article (accented letters, curly quotes, bullets, no mojibake)
    needs the line rules but not ftfy."""
    code = f"from newsletter.cli import main\nmain(['-C', {str(folder)!r}, 'build'])\n"
    loaded = _loaded(code)
    assert "newsletter.content.clean" in loaded
    assert "ftfy" not in loaded


def test_damaged_and_html_articles_load_what_they_need(folder: Path) -> None:
    """The lazy imports still happen where needed: mojibake brings ftfy; an HTML page
    brings trafilatura."""
    (folder / "articles" / "damaged.txt").write_text(
        "CafÃ© reopens on the quay\n\nThe cafÃ© on the quay reopened on Monday, six months "
        "after the river flooded its kitchen, and the owners thanked the volunteers.\n",
        encoding="utf-8",
    )
    (folder / "articles" / "page.html").write_text(
        "<html><head><title>Bridge reopens</title></head><body><article><h1>Bridge reopens</h1>"
        "<p>The old bridge over the river reopened on Monday after a year of repairs, and the "
        "first buses crossed it at six in the morning to the cheers of residents.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    code = f"from newsletter.cli import main\nmain(['-C', {str(folder)!r}, 'build'])\n"
    loaded = _loaded(code)
    for module in ("ftfy", "newsletter.content.clean", "trafilatura"):
        assert module in loaded
    assert "datasketch" not in loaded


def test_help_loads_no_pipeline() -> None:
    """`newsletter --help` and `newsletter send --help` load neither the issue pipeline nor
    the sending side (the ledger and sqlite3): they only print."""
    for args in ([], ["send"]):
        code = (
            "import sys, atexit\n"
            "atexit.register(lambda: print(sorted(m for m in sys.modules if m in"
            " ('sqlite3', 'newsletter.send', 'newsletter.issue', 'newsletter.delivery.ledger',"
            " 'newsletter.config')), file=sys.stderr))\n"
            f"from newsletter.cli import main\nmain({[*args, '--help']!r})\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert "Usage: newsletter" in done.stdout
        assert done.stderr.strip().splitlines()[-1] == "[]"
