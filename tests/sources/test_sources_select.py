"""The selection rules as a pure function: identity keys, days, snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

import newsletter.sources
from newsletter.model import Article
from newsletter.sources.select import History, from_snapshot, history_keys, rows, select, url_key

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=LONDON)
MON, TUE, WED = date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)


def article(ident: str, day: date | None, url: str | None = None) -> Article:
    published = datetime(day.year, day.month, day.day, 12, tzinfo=LONDON) if day else None
    return Article(ident, f"Title {ident}", "Body.", "test", url=url, published=published)


def sent(*issues: tuple[date, list[Article]]) -> History:
    recorded = [(r.id, r.url, day) for day, arts in issues for r in rows(arts)]
    return History(frozenset(day for day, _ in issues), history_keys(recorded))


def test_sources_public_surface() -> None:
    """`newsletter.sources` exports what the pipeline uses, and nothing by accident."""
    assert newsletter.sources.__all__ == [
        "Gathered",
        "SourceNote",
        "feed_cache_dir",
        "gather",
        "remember_feeds",
    ]


def test_url_key_ignores_what_does_not_change_the_article() -> None:
    """http/https, host case, fragment, trailing slash and utm_* parameters do not make
    another article; other query parameters do."""
    base = url_key("https://news.example.com/a/story?id=7")
    for same in (
        "http://NEWS.example.com/a/story/?id=7#comments",
        "https://news.example.com/a/story?utm_source=rss&id=7&utm_medium=feed",
    ):
        assert url_key(same) == base
    assert url_key("https://news.example.com/a/story?id=8") != base


def test_a_date_whose_issue_was_sent_is_that_issue_again() -> None:
    """Once D was sent, the issue of D is its snapshots, whatever the sources hold now."""
    snapshot = article("a", MON)
    history = History(frozenset({MON}), {}, (snapshot,))
    assert select([article("b", MON)], MON, history, LONDON, NOW) == (snapshot,)


def test_future_articles_wait_for_their_day() -> None:
    """An article dated after D is not in the issue of D."""
    chosen = select([article("a", TUE), article("b", WED)], TUE, sent((MON, [])), LONDON, NOW)
    assert [a.id for a in chosen] == ["a"]


def test_articles_older_than_the_first_issue_are_never_swept_up() -> None:
    """Carry-over reaches back to the first issue ever sent, not before it."""
    history = sent((TUE, [article("t", TUE)]))
    old = article("old", MON)
    assert select([old, article("w", WED)], WED, history, LONDON, NOW) == (article("w", WED),)


def test_two_copies_of_one_article_take_the_earlier_day() -> None:
    """Copies sharing a key are one article: both go into the issue of the earlier copy's
    day, and neither waits for the later day."""
    early = article("feed#1", MON, url="https://x.example.com/s")
    late = article("https://x.example.com/s/", WED)
    history = sent((MON, []))
    assert select([early, late], TUE, history, LONDON, NOW) == (early, late)
    assert select([early, late], MON, History(), LONDON, NOW) == (early, late)


def test_undated_articles_belong_to_now() -> None:
    """An article without a date counts as seen now: in today's issue, not yesterday's."""
    undated = article("u", None)
    assert select([undated], WED, History(), LONDON, NOW) == (undated,)
    assert select([undated], TUE, History(), LONDON, NOW) == ()


def test_days_are_counted_in_the_newsletters_timezone() -> None:
    """23:30 UTC on Monday is Tuesday in Tokyo: the Tuesday issue there, not Monday's."""
    late = Article("x", "T", "B", "test", published=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    tokyo = ZoneInfo("Asia/Tokyo")
    assert select([late], TUE, History(), tokyo, NOW) == (late,)
    assert select([late], MON, History(), tokyo, NOW) == ()


texts = st.text(min_size=1, max_size=40)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.astimezone(timezone(timedelta(hours=5, minutes=30))))


@given(
    st.builds(
        Article,
        id=texts,
        title=texts,
        body=st.text(max_size=200),
        origin=texts,
        summary=st.none() | texts,
        url=st.none() | st.just("https://example.com/a?x=1"),
        source=st.none() | texts,
        author=st.none() | texts,
        published=st.none() | aware,
        tags=st.lists(texts, max_size=3).map(tuple),
    )
)
def test_snapshot_round_trip(original: Article) -> None:
    """An article recorded by a send comes back from the ledger exactly as it was."""
    assert from_snapshot(rows([original])[0].snapshot) == original
