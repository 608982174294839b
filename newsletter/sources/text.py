"""Characters no reader, feed or terminal should get, taken out of every article as it is read.

Pure. XML 1.0 cannot carry most C0 controls (the archive's Atom feed would stop
parsing), and ESC or BEL in a title would drive the editor's terminal. So every C0
and C1 control, DEL, lone surrogates and the noncharacters U+FFFE/U+FFFF are removed;
a tab or a line break stays in a body, and becomes a space in a one-line field.
"""

from __future__ import annotations

import dataclasses
import re

from newsletter.model import Article

# Everything XML 1.0 refuses, plus the controls it tolerates but no reader wants.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n?")
_ONE_LINE = re.compile("[\t\n\r]+")


def clean_text(text: str) -> str:
    """`text` without control characters; tabs and line breaks (as `\\n`) are kept.

    >>> clean_text("Tram\\x1b[31m line\\x07\\r\\nopens")
    'Tram[31m line\\nopens'
    """
    return _REFUSED.sub("", _LINE_BREAK.sub("\n", text))


def clean_line(text: str) -> str:
    """`text` as one line: control characters removed, tabs and line breaks made spaces."""
    return _ONE_LINE.sub(" ", clean_text(text))


def clean_article(article: Article) -> Article:
    """`article` with every text field cleaned; the same object when nothing had to go."""
    lines = {
        name: clean_line(value)
        for name in ("title", "source", "author", "url")
        if (value := getattr(article, name)) is not None
    }
    texts = {
        name: clean_text(value)
        for name in ("body", "summary")
        if (value := getattr(article, name)) is not None
    }
    changes: dict[str, object] = {
        name: value for name, value in {**lines, **texts}.items() if value != getattr(article, name)
    }
    tags = tuple(clean_line(tag) for tag in article.tags)
    if tags != article.tags:
        changes["tags"] = tags
    if article.image is not None and clean_line(article.image.alt) != article.image.alt:
        changes["image"] = dataclasses.replace(article.image, alt=clean_line(article.image.alt))
    return dataclasses.replace(article, **changes) if changes else article  # type: ignore[arg-type]
