"""Articles → digest: summaries, near-duplicate merging, sections, ranking, limits, subject.

Pure: takes articles and settings, returns a Digest; never reads files or clocks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from newsletter.config import Config, SectionRule
from newsletter.content.dedupe import group_near_duplicates
from newsletter.content.summarize import summarize, teaser
from newsletter.i18n import Strings
from newsletter.links import is_image_url, is_link, scheme_of
from newsletter.model import Article, Digest, Item, Section, SourceFailure, SourceRef

DEFAULT_SECTION = SectionRule("news", "News")
WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class _Candidate:
    article: Article
    quality: float


def build_digest(
    articles: Sequence[Article],
    config: Config,
    day: date,
    number: int,
    failures: Sequence[SourceFailure] = (),
    *,
    summarize_more: bool = True,
) -> Digest:
    """The issue of `day` from `articles` (already chosen for that day).

    With `summarize_more=False`, the items linked as more (past the per-issue or
    per-section limit) keep an empty summary and teaser: for outputs that show them
    by title and link only (the email, the outline), it spares summarizing every
    article that did not make the issue. Everything else is the same.
    """
    settings = config.digest
    warnings: list[str] = []
    candidates = [_candidate(_links_checked(a, warnings)) for a in articles]
    merged = [_merge(group, config) for group in _groups(candidates)]
    merged.sort(key=lambda m: (-_tellers(m[0]), -m[0].reading_minutes, m[0].title.lower()))
    items = [item for item, _ in merged]
    sections = _sections(items[: settings.max_items], items[settings.max_items :], config)
    # Ranking and sections read no summary: items get theirs once their place is known.
    leads = {id(item): lead for item, lead in merged}
    sentences = settings.summary_sentences

    def summarized(item: Item) -> Item:
        summary, line = _summary(leads[id(item)], sentences, config.language)
        return replace(item, summary=summary, teaser=line)

    sections = tuple(
        replace(
            s,
            items=tuple(map(summarized, s.items)),
            more=tuple(map(summarized, s.more)) if summarize_more else s.more,
        )
        for s in sections
    )
    subject = _subject(config, day, number, sections, Strings.of(config.language))
    return Digest(day, number, config.name, subject, sections, tuple(failures), tuple(warnings))


def _links_checked(article: Article, warnings: list[str]) -> Article:
    """`article` without a link or image URL that may not appear in an email (see
    `newsletter.links`), each one dropped with a warning naming the article."""
    url, image = article.url, article.image
    for what, value, ok in (
        ("link", url, is_link),
        ("image", image.url if image else None, is_image_url),
    ):
        if value is not None and not ok(value):
            scheme = scheme_of(value)
            allowed = "http, https and mailto" if what == "link" else "http and https"
            kind = f"is a {scheme}: URL" if scheme else "is not an absolute URL"
            warnings.append(
                f"{article.origin}: the {what} of “{article.title}” {kind}; only {allowed} "
                f"{'become links' if what == 'link' else 'are shown'}, so it is left out"
            )
            if what == "link":
                url = None
            else:
                image = None
    if url is article.url and image is article.image:
        return article
    return replace(article, url=url, image=image)


def _candidate(article: Article) -> _Candidate:
    words = len(article.body.split())
    # A fuller, longer, attributed text writes the story better: it leads a merged item.
    quality = math.log1p(words) + (1.0 if article.summary else 0.0) + (0.5 if article.url else 0.0)
    return _Candidate(article, quality)


def _summary(article: Article, sentences: int, language: str | None) -> tuple[str, str]:
    """The summary and teaser an item shows: the article's own summary, else its
    extract, in the article's language (the newsletter's when the article has none).
    Only the article that leads an item is summarized."""
    if article.summary:
        return article.summary, teaser(article.summary)
    paragraphs = [p for p in article.body.split("\n\n") if p.strip()]
    summary = summarize(
        paragraphs, sentences=sentences, title=article.title, language=article.language or language
    )
    return summary.text, summary.teaser


def _groups(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    # Without a body, the text is the article's own summary (an extract of nothing is "").
    texts = [f"{c.article.title}\n{c.article.body or c.article.summary or ''}" for c in candidates]
    groups = group_near_duplicates(texts)
    merged = [sorted((candidates[i] for i in g), key=lambda c: -c.quality) for g in groups]
    # Identical identities (the same URL twice) always merge, whatever their text.
    by_id: dict[str, list[_Candidate]] = {}
    for group in merged:
        key = group[0].article.id
        for other_key in (c.article.id for c in group):
            if other_key in by_id:
                key = other_key
                break
        bucket = by_id.setdefault(key, [])
        bucket.extend(c for c in group if c.article.id not in {b.article.id for b in bucket})
    return [sorted(g, key=lambda c: -c.quality) for g in by_id.values()]


def _merge(group: list[_Candidate], config: Config) -> tuple[Item, Article]:
    """The item of a group, without its summary yet, and the article that leads it."""
    lead = group[0]
    sources: list[SourceRef] = []
    for c in group:
        ref = SourceRef(c.article.source or _domain(c.article.url), c.article.url)
        if (ref.name or ref.url) and ref not in sources:
            sources.append(ref)
    tags = tuple(dict.fromkeys(t for c in group for t in c.article.tags))
    # Without words in the body, an item is as long as its summary: the article's own,
    # since an extract of no paragraph is empty.
    words = _words(lead.article.body) or _words(lead.article.summary or "")
    # The image of the first article that has one (the lead's when it has one).
    image = next((c.article.image for c in group if c.article.image), None)
    item = Item(
        title=lead.article.title,
        summary="",
        teaser="",
        section=_section_of(lead.article, tags, config).key,
        sources=tuple(sources),
        url=lead.article.url,
        reading_minutes=max(1, round(words / WORDS_PER_MINUTE)),
        article_ids=tuple(c.article.id for c in group),
        tags=tags,
        image=image if config.digest.images else None,
    )
    return item, lead.article


_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _words(text: str) -> int:
    """Words for reading time: by spaces; two Chinese or Japanese characters make one."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK.sub(" ", text).split()) + (cjk + 1) // 2


def _section_of(article: Article, tags: tuple[str, ...], config: Config) -> SectionRule:
    rules = config.sections
    for rule in rules:
        if rule.key in tags:
            return rule
    text = f"{article.title} {article.body[:2000]}".lower()
    best, best_hits = None, 0
    for rule in rules:
        hits = sum(_count_word(k.lower(), text) for k in rule.keywords)
        if hits > best_hits:
            best, best_hits = rule, hits
    if best is not None:
        return best
    return rules[-1] if rules and not any(r.keywords for r in rules[-1:]) else DEFAULT_SECTION


def _count_word(word: str, text: str) -> int:
    """How often `word` stands in `text` as a whole word (`\\b` on both sides)."""
    if word not in text:  # the pattern cannot match without the word: skip it
        return 0
    return len(re.findall(rf"\b{re.escape(word)}\b", text))


def _tellers(item: Item) -> int:
    """How many sources tell the story; a story whose source has no name still has one."""
    return max(1, len(item.sources))


def _domain(url: str | None) -> str:
    """A source's name when it has none: its web address's host, without `www.`."""
    host = re.sub(r"^[a-z]+://", "", url or "").split("/")[0]
    return host.removeprefix("www.")


def _sections(kept: list[Item], over: list[Item], config: Config) -> tuple[Section, ...]:
    """Items grouped by section; past the per-section or per-issue limit they are linked as more."""
    limit = config.digest.max_per_section
    order = [r.key for r in config.sections] + [DEFAULT_SECTION.key]
    titles = {r.key: r.title for r in config.sections} | {
        DEFAULT_SECTION.key: DEFAULT_SECTION.title
    }
    out = []
    for key in dict.fromkeys(order):
        main = [i for i in kept if i.section == key]
        overflow = [i for i in over if i.section == key]
        if main or overflow:  # a section whose stories are all past the limit is still linked
            out.append(
                Section(key, titles[key], tuple(main[:limit]), tuple(main[limit:] + overflow))
            )
    # Sections with more stories, and stories told by more sources, come first; sections
    # holding only links to more stories come last.
    out.sort(
        key=lambda s: (
            -max((_tellers(i) for i in s.items), default=0),
            -len(s.items),
            order.index(s.key),
        )
    )
    return tuple(out)


def subject_for(config: Config, digest: Digest, strings: Strings | None = None) -> str:
    """The subject of `digest` as its reader gets it: her own lead story and the count of
    her own other stories (a reader of one section hears of that section alone), in the
    language of `strings`. A `digest.subjects` entry for the day wins."""
    return _subject(
        config, digest.date, digest.number, digest.sections, strings or Strings.of(config.language)
    )


def _subject(
    config: Config, day: date, number: int, sections: tuple[Section, ...], strings: Strings
) -> str:
    override = config.digest.subjects.get(day.isoformat())
    if override:
        return override
    lead = next((s.items[0] for s in sections if s.items), None)
    top = lead.title if lead is not None else strings("no_stories")
    count = sum(len(s.items) for s in sections)
    more = f" ({strings('more_stories', count=count - 1)})" if count > 1 else ""
    template = config.digest.subject or "{name} #{number}: {top}{more}"
    subject = template.format(
        name=config.name, number=number, top=top, more=more, date=day.isoformat(), count=count
    )
    # Never ALL CAPS: spam filters score it, and readers read it as shouting.
    if subject.isupper():
        subject = subject.capitalize()
    return " ".join(subject.split())
