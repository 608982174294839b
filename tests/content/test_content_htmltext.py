"""HTML pages: main text without the page's furniture, and the page's metadata."""

from newsletter.content.htmltext import extract_html

PARAGRAPHS = [
    "The regional rail operator will replace its entire diesel fleet with battery trains by "
    "2030, its chief executive announced on Thursday at a press conference in the capital.",
    "The plan covers 140 trains on eleven lines, most of them in rural valleys where overhead "
    "wires were judged too costly to build, and where diesel engines have run for fifty years.",
    "The battery trains will recharge at terminal stations during their turnaround time, which "
    "the operator says is long enough on every line but one, where a new siding will be built.",
    "Passenger groups welcomed the announcement but asked for more frequent services on the "
    "valley lines, which now see a train every two hours on weekdays and fewer on Sundays.",
]

PAGE = f"""<!doctype html>
<html lang="en"><head>
<title>Battery trains for the valleys | Valley Courier</title>
<meta property="og:title" content="Battery trains for the valleys">
<meta property="og:site_name" content="Valley Courier">
<meta name="author" content="Ines Duarte">
<meta name="description" content="Diesel trains will leave the valley lines by 2030.">
<meta property="article:published_time" content="2024-03-14T09:30:00+00:00">
<link rel="canonical" href="https://courier.example/2024/03/battery-trains">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<header><h1>Battery trains for the valleys</h1></header>
<article>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Council keeps library open</a></li>
<li><a href="/b">Storm closes the coast road</a></li></ul></aside>
<footer><p>Copyright 2024 Valley Courier. All rights reserved.</p></footer>
</body></html>"""


def test_main_text_is_the_article_paragraphs() -> None:
    """The text is the article's paragraphs, separated by blank lines, without the nav."""
    article = extract_html(PAGE)
    assert article is not None
    assert article.paragraphs == tuple(PARAGRAPHS)
    assert "Most read" not in article.text and "Home" not in article.text


def test_page_metadata_is_read() -> None:
    """Title, author, date, canonical URL, description and site name come from the head."""
    article = extract_html(PAGE, url="https://courier.example/?utm_source=feed")
    assert article is not None
    assert article.title == "Battery trains for the valleys"
    assert article.author == "Ines Duarte"
    assert article.published == "2024-03-14"
    assert article.url == "https://courier.example/2024/03/battery-trains"
    assert article.description == "Diesel trains will leave the valley lines by 2030."
    assert article.sitename == "Valley Courier"


def test_page_without_main_text_gives_none() -> None:
    """An empty page, a bare body or a page of links has no article."""
    assert extract_html("") is None
    assert extract_html("<html><body></body></html>") is None
    assert extract_html("<html><body><nav><a href='/'>Home</a></nav></body></html>") is None
