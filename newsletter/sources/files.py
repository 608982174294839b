"""A folder of article files: raw scraped text, Markdown with front matter, HTML, JSON/YAML lists.

Reads files (the I/O edge of the pipeline); the cleaning itself is the pure `newsletter.content`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from newsletter.content.markdown import clean_markdown
from newsletter.content.repair import repair
from newsletter.model import Article, Image, SourceFailure
from newsletter.sources.frontmatter import simple_front_matter

MAX_BYTES = 5 * 1024 * 1024
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".yaml", ".yml")
FRONT_MATTER_KEYS = {
    "title",
    "url",
    "source",
    "published",
    "summary",
    "tags",
    "author",
    "id",
    "language",
    "image",
}


class Skip(Exception):
    """This file cannot become an article; the message says why, `line` where (for YAML)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line

    def where(self, path: Path) -> str:
        return f"{path}:{self.line}" if self.line else str(path)


def content_id(title: str, body: str) -> str:
    """A stable identity for an article without URL or GUID: a hash of its normalized text."""
    text = " ".join(f"{title}\n{body}".lower().split())
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def read_folder(folder: Path, tz: ZoneInfo) -> tuple[list[Article], list[SourceFailure]]:
    """Every article file in `folder` (sorted by name); unreadable files are reported, not raised."""
    if not folder.is_dir():
        return [], [
            SourceFailure(
                str(folder), "no such folder; create it or fix `sources` in newsletter.yaml"
            )
        ]
    articles: list[Article] = []
    failures: list[SourceFailure] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        try:
            found, skipped = read_file(path, tz)
        except Skip as why:
            failures.append(SourceFailure(why.where(path), str(why)))
        except OSError as error:
            failures.append(SourceFailure(str(path), f"cannot read it: {error.strerror or error}"))
        except Exception as error:  # a cleaning bug must cost this file only, never the issue
            reason = f"could not be read ({type(error).__name__}: {error}); please report this"
            failures.append(SourceFailure(str(path), reason))
        else:
            articles.extend(found)
            failures.extend(skipped)
    return articles, failures


def read_file(path: Path, tz: ZoneInfo) -> tuple[list[Article], list[SourceFailure]]:
    """The articles of one file; raises Skip when the whole file is unusable.

    In a JSON/YAML list, a bad entry is reported on its own and the others are kept.
    An article without a date belongs to the day the file was last modified.
    """
    text = _read_text(path)
    seen = datetime.fromtimestamp(path.stat().st_mtime, tz)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return [_from_scraped(text, path, seen)], []
    if suffix in (".md", ".markdown"):
        meta, body = _split_front_matter(text, path)
        language = _language(meta, body)
        return [_from_fields(meta, clean_markdown(body, language), path, seen, tz, language)], []
    if suffix in (".html", ".htm"):
        return [_from_html(text, path, seen, tz)], []
    articles, failures = [], []
    for entry in _from_list(text, path, seen, tz):
        if isinstance(entry, Skip):
            failures.append(SourceFailure(entry.where(path), str(entry)))
        else:
            articles.append(entry)
    return articles, failures


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size == 0:
        raise Skip("empty file")
    if size > MAX_BYTES:
        raise Skip(f"too large ({size // 1024} KiB; the limit is {MAX_BYTES // 1024} KiB)")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise Skip("binary file, not text")
    text = _decode(raw, path)
    if not text.strip():
        raise Skip("empty file")
    return text


def _decode(raw: bytes, path: Path) -> str:
    """The text of a file: UTF-8, else the charset a saved page declares, else the one
    charset-normalizer finds (as a browser would guess it); never refused when a
    guess reads as text."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = _declared_html(raw) if path.suffix.lower() in (".html", ".htm") else None
        if declared is None:
            declared = _detected(raw)
        if declared is None:
            raise Skip(f"not UTF-8 (byte {error.start}); re-save the file as UTF-8") from None
        return declared


def _detected(raw: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.chaos > 0.2:
        return None
    return str(best)


def _declared_html(raw: bytes) -> str | None:
    """A saved web page in the legacy charset its <meta> declares (windows-1252, …)."""
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", raw[:4096], re.I)
    if match is None:
        return None
    try:
        return raw.decode(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def _from_scraped(text: str, path: Path, seen: datetime) -> Article:
    # Here, not at the top: only scraped text needs the line rules (many patterns).
    from newsletter.content.clean import clean_scraped

    cleaned = clean_scraped(text)
    if not cleaned.title or not cleaned.paragraphs:
        raise Skip("no headline and body found in the text")
    body = "\n\n".join(cleaned.paragraphs)
    return Article(
        id=content_id(cleaned.title, body),
        title=cleaned.title,
        body=body,
        origin=str(path),
        source=cleaned.source,
        author=cleaned.author,
        published=seen,
        language=cleaned.language,
    )


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    head, sep, body = text[3:].partition("\n---")
    if not sep:
        raise Skip("front matter opened with --- but never closed")
    meta = simple_front_matter(head)
    if meta is None:
        try:
            meta = yaml.safe_load(head)
        except yaml.YAMLError as error:
            raise Skip(*_yaml_problem("front matter is not valid YAML", error)) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise Skip("front matter must be a mapping of `key: value` lines")
    return meta, body.partition("\n")[2]


def _language(meta: Mapping[str, Any], text: str) -> str | None:
    """The `language:` of the front matter or entry, else the language of the text."""
    from newsletter.content.langid import detect, normalize_tag

    declared = meta.get("language")
    if declared is not None:
        tag = normalize_tag(declared)
        if tag is None:
            raise Skip(f"`language: {declared}` is not a language tag like en, fr or pt-BR")
        return tag
    return detect(text)


def _image(meta: Mapping[str, Any]) -> Image | None:
    """`image: URL`, or `image: {url, alt, width, height}`."""
    from newsletter.content.images import image_of

    value = meta.get("image")
    if value is None:
        return None
    if isinstance(value, str):
        found = image_of(value)
    elif isinstance(value, dict):
        found = image_of(
            value.get("url"),
            alt=value.get("alt") or "",
            width=value.get("width"),
            height=value.get("height"),
        )
    else:
        found = None
    if found is None and not (isinstance(value, str) and value.strip()):
        raise Skip(
            "`image` must be an http(s) URL, or a mapping with `url` (and `alt`, `width`, `height`)"
        )
    return found


def _from_fields(
    meta: Mapping[str, Any],
    paragraphs: tuple[str, ...],
    path: Path,
    seen: datetime,
    tz: ZoneInfo,
    language: str | None = None,
) -> Article:
    unknown = set(meta) - FRONT_MATTER_KEYS
    if unknown:
        raise Skip(f"unknown front matter key(s): {', '.join(sorted(unknown))}")
    title = _text(meta, "title") or (paragraphs[0] if paragraphs else "")
    body = "\n\n".join(paragraphs)
    summary = _text(meta, "summary")
    if not title:
        raise Skip("no title")
    if not body and not summary:
        raise Skip("no body and no summary")
    tags = meta.get("tags") or ()
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise Skip("`tags` must be a list of words")
    url = _text(meta, "url")
    ident = _text(meta, "id") or url or content_id(title, body or summary or "")
    return Article(
        id=ident,
        title=repair(title, language),
        body=body,
        origin=str(path),
        summary=repair(summary, language) if summary else None,
        url=url,
        source=_text(meta, "source"),
        author=_text(meta, "author"),
        published=_when(meta.get("published"), tz) or seen,
        tags=tuple(t.strip().lower() for t in tags if t.strip()),
        image=_image(meta),
        language=language,
    )


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Skip(f"`{key}` must be text, not {type(value).__name__}")
    return str(value).strip() or None


def _when(value: object, tz: ZoneInfo) -> datetime | None:
    """A front-matter date: a date means that day in the newsletter's timezone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(12, 0), tz)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Skip(
                f"`published: {value}` is not a date like 2026-11-22 or 2026-11-22T08:00:00+01:00"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    raise Skip(f"`published` must be a date, not {type(value).__name__}")


def _from_html(text: str, path: Path, seen: datetime, tz: ZoneInfo) -> Article:
    from newsletter.content.htmltext import extract_html

    extracted = extract_html(text)
    if extracted is None or not extracted.text.strip():
        raise Skip("no main text found in the HTML page")
    paragraphs = tuple(p.strip() for p in extracted.text.split("\n") if p.strip())
    meta: dict[str, Any] = {
        "title": extracted.title,
        "url": extracted.url,
        "source": extracted.sitename,
        "author": extracted.author,
        "summary": extracted.description,
    }
    article = _from_fields(
        {k: v for k, v in meta.items() if v}, paragraphs, path, seen, tz, extracted.language
    )
    published = _when(extracted.published, tz) if extracted.published else None
    return replace(article, published=published or article.published, image=extracted.image)


def _from_list(text: str, path: Path, seen: datetime, tz: ZoneInfo) -> Iterator[Article | Skip]:
    """Each entry's article, or the Skip saying why that entry cannot be one."""
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise Skip(f"not valid JSON: {error.msg} (column {error.colno})", error.lineno) from None
    except yaml.YAMLError as error:
        raise Skip(*_yaml_problem("not valid YAML", error)) from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if not isinstance(data, list):
        raise Skip("expected a list of articles (or `articles:` holding one)")
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            yield Skip(f"entry {number} is not a mapping of `key: value`")
            continue
        fields = {k: v for k, v in entry.items() if k != "body"}
        body = entry.get("body") or ""
        if not isinstance(body, str):
            yield Skip(f"entry {number}: `body` must be text")
            continue
        try:
            language = _language(fields, body or str(fields.get("summary") or ""))
            paragraphs = clean_markdown(body, language) if body else ()
            yield _from_fields(fields, paragraphs, path, seen, tz, language)
        except Skip as why:
            yield Skip(f"entry {number}: {why}")


def _yaml_problem(what: str, error: yaml.YAMLError) -> tuple[str, int | None]:
    """A one-line message for a YAML error, and its line in the file (front matter is
    parsed with the rest of the opening `---` line, so its lines count as the file's)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{what}: {problem}", mark.line + 1 if mark is not None else None
