"""A merged story names every outlet that told it, and carries its lead image."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from newsletter.config import load_config
from newsletter.content.clean import clean_scraped
from newsletter.digest import build_digest
from newsletter.model import Article, Image

DAY = date(2026, 3, 14)
STORY = (
    "The new tram line opened on Saturday, linking the eastern suburbs with the city centre "
    "in twelve minutes, and the first trams were full before eight in the morning.\n"
    "Officials said ridership in the first week would be counted before fares are set for "
    "next year, and that a second extension to the airport is planned for the spring.\n"
)
COURIER = (
    "Northern Courier | Local | Transport\n"
    "Tram Line Extension Opens to Passengers in the East\n"
    "By Northern Courier staff\n" + STORY
)
GAZETTE = (
    "Tram line opens in the east of the city\n"
    "By Tom Reyes\n" + STORY + "© 2026 Riverside Gazette. All rights reserved.\n"
)


def _article(text: str, name: str, image: Image | None = None) -> Article:
    clean = clean_scraped(text)
    return Article(
        id=name,
        title=clean.title,
        body="\n\n".join(clean.paragraphs),
        origin=f"{name}.txt",
        source=clean.source,
        published=datetime(2026, 3, 14, 8, tzinfo=UTC),
        image=image,
        language=clean.language,
    )


def test_merged_item_lists_the_masthead_and_copyright_outlets(folder: Path) -> None:
    """The same story from a masthead-and-staff-byline page and a copyright-line page is
    one item naming both outlets."""
    config = load_config(folder / "newsletter.yaml")
    articles = [_article(COURIER, "courier"), _article(GAZETTE, "gazette")]
    (item,) = build_digest(articles, config, DAY, 1).items
    assert {s.name for s in item.sources} == {"Northern Courier", "Riverside Gazette"}


def test_item_takes_the_image_of_its_first_article_with_one(folder: Path) -> None:
    """The lead article has no image: the item carries the other article's."""
    config = load_config(folder / "newsletter.yaml")
    photo = Image("https://gazette.example/tram.jpg", "A tram at the new stop", 1200, 630)
    articles = [_article(COURIER + "\n" + STORY, "courier"), _article(GAZETTE, "gazette", photo)]
    (item,) = build_digest(articles, config, DAY, 1).items
    assert item.image == photo


def test_images_can_be_turned_off(folder: Path) -> None:
    """`digest: {images: false}` leaves every item without an image."""
    path = folder / "newsletter.yaml"
    text = path.read_text()
    assert "\ndigest:\n" in text
    path.write_text(text.replace("\ndigest:\n", "\ndigest:\n  images: false\n"))
    config = load_config(path)
    assert config.digest.images is False
    photo = Image("https://gazette.example/tram.jpg")
    articles = [_article(GAZETTE, "gazette", photo)]
    (item,) = build_digest(articles, config, DAY, 1).items
    assert item.image is None
