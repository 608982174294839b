"""From raw article text to clean paragraphs, summaries and duplicate groups.

Pure: every module here takes strings and returns data; none opens files or sockets.

    repair           mojibake, `?` for NBSP, spaces and quotes
    clean            scraped text and Markdown -> headline, paragraphs, metadata
    htmltext         HTML page -> main text and metadata (trafilatura)
    summarize        extractive summary and one-line teaser
    dedupe           word-shingle Jaccard and near-duplicate groups
"""

from newsletter.content.clean import CleanText, clean_markdown, clean_scraped
from newsletter.content.dedupe import group_near_duplicates, jaccard, shingles
from newsletter.content.htmltext import HtmlArticle, extract_html
from newsletter.content.repair import repair
from newsletter.content.summarize import Summary, split_sentences, summarize, teaser

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
