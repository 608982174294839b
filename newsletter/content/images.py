"""An article's lead image: the page's `og:image`, else its first figure; never a pixel.

Pure: takes HTML or a URL and sizes, returns an `Image` or None; never opens files
or sockets (the image is linked where it is published, never fetched).

A tracking pixel is an image of at most 2×2 pixels, or one served from a host
or path that serves only pixels (`PIXEL_HOSTS`, `PIXEL_PATHS`: data, extend them).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from newsletter.model import Image

__all__ = ["PIXEL_HOSTS", "PIXEL_PATHS", "image_of", "is_tracking_pixel", "lead_image"]

PIXEL_HOSTS = (
    "pixel.wp.com",
    "stats.wp.com",
    "www.facebook.com/tr",
    "facebook.com/tr",
    "www.google-analytics.com",
    "google-analytics.com",
    "stats.g.doubleclick.net",
    "ad.doubleclick.net",
    "bat.bing.com",
    "sb.scorecardresearch.com",
    "b.scorecardresearch.com",
    "pixel.quantserve.com",
    "feeds.feedburner.com/~r",
    "feeds.feedburner.com/~ff",
    "pixel.mathtag.com",
    "px.ads.linkedin.com",
    "t.co/i/adsct",
    "analytics.twitter.com",
    "ct.pinterest.com",
    "pixel.adsafeprotected.com",
    "secure.quantserve.com",
    "mc.yandex.ru",
    "matomo.",
    "piwik.",
)
PIXEL_PATHS = re.compile(
    r"(?:^|[/_.-])(?:pixel|1x1|spacer|blank|transparent|beacon|tracking|track|open)"
    r"(?:\.gif|\.png|\.php|\.aspx?|/|$|\?)",
    re.I,
)


def _int(value: object) -> int | None:
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        match = re.match(r"\s*(\d{1,5})(?:\s*px)?\s*$", value)
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    return None


def is_tracking_pixel(url: str, width: int | None = None, height: int | None = None) -> bool:
    """True for an image no reader would see: tiny, or from a host that only tracks.

    >>> is_tracking_pixel("https://pixel.wp.com/g.gif?blog=1")
    True
    >>> is_tracking_pixel("https://example.org/photos/harbour.jpg", 1200, 630)
    False
    """
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    parts = urlsplit(url)
    where = f"{parts.netloc.lower()}{parts.path}"
    if any(where.startswith(host) or f".{host}" in where for host in PIXEL_HOSTS):
        return True
    return bool(PIXEL_PATHS.search(parts.path))


def image_of(
    url: object, *, alt: object = "", width: object = None, height: object = None, base: str = ""
) -> Image | None:
    """An `Image` of an http(s) URL (made absolute against `base`), or None for
    anything else: no URL, `data:` URIs, tracking pixels."""
    if not isinstance(url, str) or not url.strip():
        return None
    absolute = urljoin(base, url.strip()) if base else url.strip()
    if not absolute.startswith(("http://", "https://")):
        return None
    w, h = _int(width), _int(height)
    if is_tracking_pixel(absolute, w, h):
        return None
    text = " ".join(alt.split()) if isinstance(alt, str) else ""
    return Image(absolute, text, w, h)


def lead_image(html: str, base: str = "") -> Image | None:
    """The lead image of a page: `og:image` (or `twitter:image`) with its declared
    size and alt text, else the first `<figure>` image, else the first image of the
    `<article>`; None when there is none a reader would see."""
    if "<" not in html:
        return None
    import lxml.html  # type: ignore[import-untyped]

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return None
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or "").strip().lower()
        if key and key not in meta and node.get("content"):
            meta[key] = str(node.get("content"))
    page = base or meta.get("og:url", "")
    for key in ("og:image:secure_url", "og:image", "og:image:url", "twitter:image"):
        found = image_of(
            meta.get(key),
            alt=meta.get("og:image:alt") or meta.get("twitter:image:alt") or "",
            width=meta.get("og:image:width"),
            height=meta.get("og:image:height"),
            base=page,
        )
        if found:
            return found
    for path in ("//figure//img", "//article//img"):
        for img in tree.xpath(path):
            found = image_of(
                img.get("src") or img.get("data-src"),
                alt=img.get("alt") or "",
                width=img.get("width"),
                height=img.get("height"),
                base=page,
            )
            if found:
                return found
    return None
