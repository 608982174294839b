"""Any text goes through cleaning and summarizing without crashing, and stays faithful."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.content.clean import clean_markdown, clean_scraped
from newsletter.content.dedupe import jaccard, shingles
from newsletter.content.htmltext import extract_html
from newsletter.content.summarize import summarize, teaser

VOCABULARY = (
    "the council rail trains By Photo: Share Most read Subscribe to However, It ? ?? "
    "Ã© “ ” ’ • - 2024 U.S. Dr. (PHOTO: X) is a writer. valley lines: officials said"
)
WORDS = st.sampled_from(VOCABULARY.split(" "))
ENDS = st.sampled_from([".", "?", "!", "", ":", "…", '."'])
LINE = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(WORDS, max_size=30), ENDS)
SCRAPED = st.lists(LINE, max_size=25).map("\n".join) | st.text(max_size=400)
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flat(text: str) -> str:
    return " ".join(text.split())


@FAST
@given(SCRAPED)
def test_clean_scraped_never_crashes_and_returns_clean_lines(text: str) -> None:
    """Any text gives a CleanText whose paragraphs are non-empty single lines."""
    clean = clean_scraped(text)
    assert all(p and "\n" not in p and p == p.strip() for p in clean.paragraphs)
    assert "\n" not in clean.title


@FAST
@given(SCRAPED, st.integers(min_value=1, max_value=5))
def test_summary_sentences_occur_in_the_input(text: str, n: int) -> None:
    """Summary sentences are verbatim pieces of the paragraphs, at most `n` of them."""
    clean = clean_scraped(text)
    summary = summarize(clean.paragraphs, sentences=n, title=clean.title)
    assert len(summary.sentences) <= n
    assert all(_verbatim_or_list(s, clean.paragraphs) for s in summary.sentences)
    assert len(summary.teaser) <= 90


@FAST
@given(st.lists(st.text(max_size=200), max_size=8), st.integers(min_value=1, max_value=4))
def test_summarize_any_paragraphs(paragraphs: list[str], n: int) -> None:
    """Arbitrary paragraphs never crash the summarizer and give verbatim sentences
    (or a list's items, each verbatim, joined into one)."""
    summary = summarize(paragraphs, sentences=n)
    assert all(_verbatim_or_list(s, paragraphs) for s in summary.sentences)


def _verbatim_or_list(sentence: str, paragraphs: list[str] | tuple[str, ...]) -> bool:
    """`sentence` occurs in the paragraphs, or is `lead item, item, ….` of list items
    (table rows give their first cell) that each occur in them."""
    body = _flat(" ".join(paragraphs))
    if _flat(sentence) in body:
        return True
    items = _flat(sentence.removesuffix(".")).split(", ")
    return all(_flat(item) in body for item in items)


@FAST
@given(st.text(max_size=300), st.integers(min_value=10, max_value=120))
def test_teaser_is_one_line_within_the_limit(text: str, limit: int) -> None:
    """A teaser never exceeds its limit and never spans lines."""
    result = teaser(text, limit=limit)
    assert len(result) <= limit and "\n" not in result


@FAST
@given(st.text(max_size=300))
def test_markdown_never_crashes(text: str) -> None:
    """Any Markdown gives single-line, non-empty paragraphs."""
    assert all(p and "\n" not in p for p in clean_markdown(text))


@FAST
@given(st.text(max_size=200), st.text(max_size=200))
def test_jaccard_is_symmetric_and_bounded(a: str, b: str) -> None:
    """Jaccard is symmetric, within [0, 1], and 1 for a non-empty text with itself."""
    sa, sb = shingles(a), shingles(b)
    assert jaccard(sa, sb) == jaccard(sb, sa)
    assert 0.0 <= jaccard(sa, sb) <= 1.0
    if sa:
        assert jaccard(sa, sa) == 1.0


HTML_BITS = st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<article>", "<nav>", "<script>", "<!--", "-->", "<", ">"]
)
HTML = st.lists(HTML_BITS | st.text(max_size=40), max_size=30).map("".join)


@settings(max_examples=60, deadline=None)
@given(HTML)
def test_extract_html_never_raises(html: str) -> None:
    """Any string, well-formed HTML or not, gives an HtmlArticle or None."""
    article = extract_html(html)
    assert article is None or article.text.strip()
