"""The public surface of newsletter.content is pinned."""

import newsletter.content as content


def test_public_names() -> None:
    """Exactly these names are exported, sorted; removing one is a breaking change."""
    assert content.__all__ == [
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
    assert all(hasattr(content, name) for name in content.__all__)
