"""A feed entry's lead image: media:content, an image enclosure or the first <img>; never
a tracking pixel."""

from __future__ import annotations

from datetime import UTC, datetime

from newsletter.config import SourceConfig
from newsletter.content.images import is_tracking_pixel, lead_image
from newsletter.sources.feeds import feed_articles

NOW = datetime(2026, 3, 14, 8, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Harbour News</title><link>https://harbour.example/</link>
<item><title>Ferry returns</title><link>https://harbour.example/ferry</link><guid>f1</guid>
<description>The ferry is back on the harbour route from Monday.</description>
<media:content url="https://harbour.example/img/ferry.jpg" medium="image" width="1024" height="576"/>
</item>
<item><title>Market opens</title><link>https://harbour.example/market</link><guid>f2</guid>
<description>The Saturday market opens again in the square.</description>
<enclosure url="https://harbour.example/audio/market.mp3" type="audio/mpeg" length="100"/>
<enclosure url="https://harbour.example/img/market.png" type="image/png" length="100"/>
</item>
<item><title>Pier closed</title><link>https://harbour.example/pier</link><guid>f3</guid>
<description><![CDATA[<p>The pier is closed for repairs.</p>
<img src="https://pixel.wp.com/g.gif?host=harbour" width="1" height="1">
<img src="/img/pier.jpg" alt="The old pier">]]></description>
</item>
</channel></rss>"""


def test_feed_entries_carry_their_images_never_a_pixel() -> None:
    """media:content, an image enclosure (not the audio one) and the first real <img>
    (relative to the entry's link, after skipping a 1x1 pixel) become the images."""
    articles, failures = feed_articles(
        FEED, SourceConfig("feed", "https://harbour.example/rss"), "feed", NOW
    )
    assert not failures
    images = {a.title: a.image for a in articles}
    ferry, market, pier = images["Ferry returns"], images["Market opens"], images["Pier closed"]
    assert ferry is not None and (ferry.url, ferry.width, ferry.height) == (
        "https://harbour.example/img/ferry.jpg",
        1024,
        576,
    )
    assert market is not None and market.url == "https://harbour.example/img/market.png"
    assert pier is not None and (pier.url, pier.alt) == (
        "https://harbour.example/img/pier.jpg",
        "The old pier",
    )


def test_tracking_pixels_are_recognised_by_size_host_and_path() -> None:
    """1x1 images, known pixel hosts and pixel-named paths are never lead images."""
    assert is_tracking_pixel("https://cdn.example/a.gif", 1, 1)
    assert is_tracking_pixel("https://www.facebook.com/tr?id=1&ev=PageView")
    assert is_tracking_pixel("https://news.example/track/open.gif")
    assert not is_tracking_pixel("https://news.example/photos/trackside.jpg", 800, 450)
    page = '<html><body><figure><img src="https://news.example/p.gif" width="1" height="1"></figure></body></html>'
    assert lead_image(page) is None
