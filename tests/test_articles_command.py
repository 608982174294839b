"""`newsletter articles`: every article as read and cleaned, in text or JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import cli

SCRAPED = (
    "Zum Inhalt springen\n"
    "Startseite > Lokales\n"
    "Die Fähre fährt wieder nach Helgoland\n"
    "Von Jonas Albrecht\n"
    "Die Fähre nach Helgoland fährt ab Montag wieder täglich, teilte die Reederei am Freitag mit.\n"
    "Anzeige\n"
    "Die Überfahrt dauert knapp drei Stunden, und Fahrräder dürfen wieder mit an Bord.\n"
)


def test_articles_lists_every_article_with_its_metadata_as_json(folder: Path) -> None:
    """JSON gives each article's origin, title, author, language and cleaned body;
    furniture lines are gone from the body."""
    (folder / "articles" / "faehre.txt").write_text(SCRAPED, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(folder), "articles", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_title = {a["title"]: a for a in data}
    ferry = by_title["Die Fähre fährt wieder nach Helgoland"]
    assert ferry["origin"].endswith("faehre.txt")
    assert (ferry["author"], ferry["language"]) == ("Jonas Albrecht", "de")
    assert "Anzeige" not in ferry["body"] and "Fahrräder" in ferry["body"]
    assert set(ferry) >= {"source", "published", "image", "url", "id"}
    assert len(data) > 1  # the sample articles are listed too


def test_articles_of_a_date_only(folder: Path) -> None:
    """`--date D` lists only the articles of that day (text format names each one)."""
    old = folder / "articles" / "faehre.txt"
    old.write_text(SCRAPED, encoding="utf-8")
    os.utime(old, (946_724_400, 946_724_400))  # 2000-01-01
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(folder), "articles", "--date", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1. Die Fähre fährt wieder nach Helgoland\n")
    assert "language: de" in result.stdout
    assert "2. " not in result.stdout


def test_articles_help_has_an_example() -> None:
    """`articles --help` explains the command with an example."""
    result = CliRunner().invoke(cli, ["articles", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "newsletter articles" in result.output
