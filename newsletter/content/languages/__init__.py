"""Per-language tables of the words that mark site furniture, bylines and dates.

Reads the YAML files next to this module once (package data, not user input);
everything it returns is pure data. Adding a language is adding `<code>.yaml`.

Each list holds regular-expression fragments, matched case-insensitively, a space
standing for any run of spaces. The categories:

    skip_links       "Skip to content" and its kin (a whole short line)
    consent          cookie and consent notices (anywhere in a line)
    buttons          the buttons of a banner: "Accept all" (a whole short line)
    affiliate        affiliate and sponsorship disclosures (anywhere)
    newsletter       signup boxes and their small print (anywhere)
    advertisement    "Advertisement" / "Anzeige" (a whole line)
    read_more        "Read more" / "Lire aussi" (the start of a line)
    comments         comment counters and prompts (a whole line)
    share            share prompts (the start of a short line)
    captions         the head of a caption or credit ("Foto:")
    caption_markers  a line announcing a caption on the next line
    about_author     the heading of an author bio (a whole line)
    navigation       menu words (a whole line)
    home             the first crumb of a breadcrumb
    updated          the word before a timestamp ("Aktualisiert")
    relative_time    "3 hours ago", "il y a 3 heures"
    reading_time     "5 min read", "Lesezeit 5 Minuten"
    months           month names, for datelines
    byline           the words opening a byline ("By", "Von", "Par")
    staff            a newsroom in a byline ("By X staff", "Par la rédaction")
    copyright        "All rights reserved"

Line rules match every language's table at once (a German page may carry an
English cookie banner); the language of an article picks its stop words, its
sentence splitter and its repair rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["CATEGORIES", "Language", "alternation", "codes", "language", "triggers"]

CATEGORIES = (
    "skip_links",
    "consent",
    "buttons",
    "affiliate",
    "newsletter",
    "advertisement",
    "read_more",
    "comments",
    "share",
    "captions",
    "caption_markers",
    "about_author",
    "navigation",
    "home",
    "updated",
    "relative_time",
    "reading_time",
    "months",
    "byline",
    "staff",
    "copyright",
)


@dataclass(frozen=True)
class Language:
    """One language's table."""

    code: str  # BCP 47 primary subtag
    name: str
    phrases: dict[str, tuple[str, ...]]
    stoplist: str | None = None  # the name of justext's stop-word list
    cjk: bool = False  # words are counted by character
    nbsp_before: str = ""  # marks a no-break space precedes (French `:;!?»`)
    nbsp_after: str = ""  # marks a no-break space follows (French `«`)
    elision: str = ""  # where `?` stands for a lost apostrophe (`l?économie`); group 1 kept
    triggers: tuple[str, ...] = ()  # one is in every consent/affiliate/newsletter/copyright phrase


_SETTINGS = ("code", "name", "stoplist", "cjk", "nbsp_before", "nbsp_after", "elision", "triggers")


def _load(code: str) -> Language:
    text = resources.files(__name__).joinpath(f"{code}.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(text, Loader=loader)
    unknown = set(data) - {*CATEGORIES, *_SETTINGS}
    if unknown:
        raise ValueError(f"{code}.yaml: unknown keys {sorted(unknown)}")
    phrases = {key: tuple(str(p) for p in data.get(key) or ()) for key in CATEGORIES}
    return Language(
        code=data["code"],
        name=data["name"],
        phrases=phrases,
        stoplist=data.get("stoplist"),
        cjk=bool(data.get("cjk")),
        nbsp_before=data.get("nbsp_before", ""),
        nbsp_after=data.get("nbsp_after", ""),
        elision=data.get("elision", ""),
        triggers=tuple(str(t).lower() for t in data.get("triggers") or ()),
    )


@cache
def codes() -> tuple[str, ...]:
    """The languages that have a table, sorted."""
    names = (p.name for p in resources.files(__name__).iterdir())
    return tuple(sorted(n.removesuffix(".yaml") for n in names if n.endswith(".yaml")))


@cache
def language(code: str | None) -> Language | None:
    """The table of `code` ("fr", "fr-CA", "FR"), or None when there is none."""
    if not code:
        return None
    primary = code.replace("_", "-").split("-")[0].lower()
    return _load(primary) if primary in codes() else None


@cache
def alternation(category: str) -> str:
    """Every language's fragments of `category` as one regex group, longest first."""
    fragments: dict[str, None] = {}
    for code in codes():
        table = language(code)
        assert table is not None
        for fragment in table.phrases[category]:
            # "Lecture : 4 min": French sets a space before a colon, other languages don't.
            spaced = re.sub(r"(?<!\?)(?<!\\):", r"\\s*:", fragment)
            fragments.setdefault(spaced.replace(" ", r"\s+"), None)
    ordered = sorted(fragments, key=len, reverse=True)
    return "(?:" + "|".join(ordered) + ")" if ordered else "(?!)"


@cache
def triggers() -> tuple[str, ...]:
    """Every language's trigger words (lower case): a line holding none of them holds
    no consent, affiliate, newsletter or copyright phrase."""
    found: dict[str, None] = {}
    for code in codes():
        table = language(code)
        assert table is not None
        found.update(dict.fromkeys(table.triggers))
    return tuple(found)


def compile_category(category: str, template: str = "{}") -> re.Pattern[str]:
    """`template` with the category's alternation in place of `{}`, case-insensitive."""
    return re.compile(template.replace("{}", alternation(category)), re.I)
