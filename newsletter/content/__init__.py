"""From raw article text to clean paragraphs, summaries and duplicate groups.

Pure: every module here takes strings and returns data; none opens files or sockets.

    repair           mojibake, `?` for NBSP, spaces and quotes
    clean            scraped text and Markdown -> headline, paragraphs, metadata
    htmltext         HTML page -> main text and metadata (trafilatura)
    summarize        extractive summary and one-line teaser
    dedupe           word-shingle Jaccard and near-duplicate groups

The names of `clean`, `dedupe` and `htmltext` load their module on first use, so
importing one module of the package (the digest needs only `dedupe` and
`summarize`) does not compile the others' patterns. `repair` and `summarize` are
imported here: each shares its name with its module, which an import of the
module would otherwise leave in place of the function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from newsletter.content.repair import repair
from newsletter.content.summarize import Summary, split_sentences, summarize, teaser

if TYPE_CHECKING:
    from newsletter.content.clean import CleanText, clean_markdown, clean_scraped
    from newsletter.content.dedupe import group_near_duplicates, jaccard, shingles
    from newsletter.content.htmltext import HtmlArticle, extract_html

__all__ = [
    "CleanText",
    "HtmlArticle",
    "Summary",
    "clean_markdown",
    "clean_scraped",
    "extract_html",
    "group_near_duplicates",
    "jaccard",
    "repair",
    "shingles",
    "split_sentences",
    "summarize",
    "teaser",
]

_HOME = {
    "CleanText": "clean",
    "clean_markdown": "clean",
    "clean_scraped": "clean",
    "group_near_duplicates": "dedupe",
    "jaccard": "dedupe",
    "shingles": "dedupe",
    "HtmlArticle": "htmltext",
    "extract_html": "htmltext",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
