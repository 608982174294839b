"""A feed's articles carry the language the feed declares, else the one their text shows."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sources.helpers import letter, newsletter

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Stadtanzeiger</title><link>https://stadt.example.de/</link>
<description>Nachrichten</description><language>de-DE</language>
<item><title>Neue Fähre</title><link>https://stadt.example.de/faehre</link>
<guid>https://stadt.example.de/?p=1</guid><pubDate>Tue, 10 Mar 2026 09:00:00 +0000</pubDate>
<description>Ab Montag.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Mixed Desk</title><id>urn:mixed</id><updated>2026-03-10T09:00:00Z</updated>
  <entry xml:lang="fr">
    <title>Le tram</title><id>urn:mixed:1</id><link href="https://mixed.example.org/1"/>
    <updated>2026-03-10T09:00:00Z</updated><summary>Lundi.</summary>
  </entry>
</feed>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Polder Post",
    "language": "nl",
    "items": [
        {
            "id": "p1",
            "url": "https://polder.example.nl/1",
            "title": "Dijk",
            "content_text": "Maandag.",
            "date_published": "2026-03-10T09:00:00Z",
        },
        {
            "id": "p2",
            "url": "https://polder.example.nl/2",
            "title": "Puente",
            "language": "es",
            "content_text": "El martes.",
            "date_published": "2026-03-10T09:00:00Z",
        },
    ],
}

UNDECLARED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Diario</title><link>https://diario.example.es/</link>
<description>Noticias</description>
<item><title>El ayuntamiento abre la nueva biblioteca del barrio</title>
<link>https://diario.example.es/biblioteca</link><guid>https://diario.example.es/?p=9</guid>
<pubDate>Tue, 10 Mar 2026 09:00:00 +0000</pubDate>
<description>La biblioteca del barrio abre sus puertas el lunes con una sala para los
niños y un taller de reparación para los vecinos que lo necesiten.</description></item>
</channel></rss>
"""


def test_feed_articles_take_the_declared_language_else_their_texts(folder: Path) -> None:
    """RSS `<language>`, an Atom entry's `xml:lang` (over its feed's) and JSON Feed's
    `language` (feed and item) name each article's language, even where the text is too
    short to tell; a feed that declares nothing gets the language its text is written in."""
    feeds = folder / "feeds"
    feeds.mkdir()
    (feeds / "stadt.rss").write_text(RSS, encoding="utf-8")
    (feeds / "mixed.atom").write_text(ATOM, encoding="utf-8")
    (feeds / "polder.json").write_text(json.dumps(JSON_FEED), encoding="utf-8")
    (feeds / "diario.rss").write_text(UNDECLARED, encoding="utf-8")
    names = ("stadt.rss", "mixed.atom", "polder.json", "diario.rss")
    letter(folder, [{"feed": f"feeds/{name}"} for name in names])
    run = newsletter(folder, "articles", "--date", "2026-03-10", "--format", "json")
    assert run.code == 0, run.stderr
    got = {a["title"]: a["language"] for a in json.loads(run.stdout)}
    assert got == {
        "Neue Fähre": "de",
        "Le tram": "fr",
        "Dijk": "nl",
        "Puente": "es",
        "El ayuntamiento abre la nueva biblioteca del barrio": "es",
    }
