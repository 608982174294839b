"""Article files in any language and charset: decoded, tagged with their language, their
lead image kept."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.model import Article
from newsletter.sources.files import Skip, read_file

UTC = ZoneInfo("UTC")

FRENCH = (
    "Aller au contenu principal\n"
    "Accueil > Société > Éducation\n"
    "La cantine bio arrive dans les écoles de Lyon\n"
    "Par Claire Martin\n"
    "Les écoles de Lyon?: «?une cantine bio?» pour 34?000 élèves, à 1?euro le repas.\n"
    "La ville a voté le projet lundi soir, après deux ans de débats au conseil municipal.\n"
)


def _one(path: Path) -> Article:
    articles, failures = read_file(path, UTC)
    assert not failures
    (article,) = articles
    return article


def test_text_file_in_latin_1_is_decoded_not_refused(tmp_path: Path) -> None:
    """A file saved in Latin-1 (no charset anywhere) is read by detection, accents intact."""
    path = tmp_path / "cafe.txt"
    text = (
        "Le café rouvre sur la place du marché\n\n"
        "Le café a rouvert mardi matin, après des mois de travaux, et les habitués étaient là."
    )
    path.write_bytes(text.encode("latin-1"))
    article = _one(path)
    assert article.title == "Le café rouvre sur la place du marché"


def test_html_page_without_charset_is_decoded(tmp_path: Path) -> None:
    """A Windows-1252 page that declares no charset is decoded as a browser would."""
    body = "<p>" + "Der Bäcker in der Straße öffnet früh, und die Schlange ist lang. " * 4 + "</p>"
    page = f"<html><head><title>Die Bäckerei öffnet früh</title></head><body><article>{body}</article></body></html>"
    path = tmp_path / "baecker.html"
    path.write_bytes(page.encode("cp1252"))
    article = _one(path)
    assert "Straße" in article.body
    assert article.language == "de"


def test_scraped_french_text_gets_language_repair_and_byline(tmp_path: Path) -> None:
    """French scraped text: detected as fr, headline past the skip link and breadcrumb,
    `Par X` as the author, no-break spaces restored."""
    path = tmp_path / "cantine.txt"
    path.write_text(FRENCH, encoding="utf-8")
    article = _one(path)
    assert article.language == "fr"
    assert article.title == "La cantine bio arrive dans les écoles de Lyon"
    assert article.author == "Claire Martin"
    assert "Lyon\u00a0: «\u00a0une cantine bio\u00a0» pour 34\u00a0000" in article.body


def test_front_matter_language_and_image(tmp_path: Path) -> None:
    """`language:` and `image:` in front matter reach the article."""
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: Brücke offen\nlanguage: de-AT\n"
        "image: {url: 'https://example.org/b.jpg', alt: Die Brücke, width: 800, height: 450}\n"
        "---\nDie Brücke ist seit Montag wieder offen.\n",
        encoding="utf-8",
    )
    article = _one(path)
    assert article.language == "de"
    assert article.image is not None
    assert article.image.url == "https://example.org/b.jpg"
    assert (article.image.alt, article.image.width) == ("Die Brücke", 800)


def test_bad_language_tag_is_a_clear_skip(tmp_path: Path) -> None:
    """`language: 42 things` is refused with a message saying what a tag looks like."""
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\nlanguage: not a tag\n---\nBody text.\n", encoding="utf-8")
    with pytest.raises(Skip, match="not a language tag"):
        read_file(path, UTC)


def test_chinese_page_is_not_refused_as_empty(tmp_path: Path) -> None:
    """A Chinese page has main text although it has no spaces: words count by character."""
    body = "<p>市议会周一决定修复这座有百年历史的桥梁。工程将于明年春天开始。</p>" * 2
    page = f'<html lang="zh-CN"><head><meta charset="utf-8"><title>桥梁修复</title></head><body><article>{body}</article></body></html>'
    path = tmp_path / "qiao.html"
    path.write_text(page, encoding="utf-8")
    article = _one(path)
    assert article.language == "zh"
    assert "市议会" in article.body


def test_html_page_lead_image_from_og_image_not_a_pixel(tmp_path: Path) -> None:
    """og:image is the lead image; a 1x1 pixel in the body is never taken."""
    body = "<p>" + "The harbour bridge reopened to traffic on Monday after two years. " * 4 + "</p>"
    page = (
        '<html lang="en"><head><meta charset="utf-8"><title>Bridge reopens</title>'
        '<meta property="og:image" content="/img/bridge.jpg">'
        '<meta property="og:image:width" content="1200"></head><body><article>'
        f'<img src="https://pixel.wp.com/g.gif" width="1" height="1">{body}</article></body></html>'
    )
    path = tmp_path / "bridge.html"
    path.write_text(page.replace("/img/", "https://news.example/img/"), encoding="utf-8")
    article = _one(path)
    assert article.image is not None
    assert article.image.url == "https://news.example/img/bridge.jpg"
    assert article.image.width == 1200
