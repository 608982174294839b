"""The words, dates and numbers of the packaged templates in the reader's language.

Strings are data: one YAML table per language in `newsletter/locales/` (`en.yaml`,
`de.yaml`, …), each key a template's phrase with `{placeholders}`; a phrase that varies
with a number gives `one:`/`other:` forms, picked by the CLDR plural rule of the
language (Babel). A tag such as `de-AT` uses `de.yaml`; a language without a table
uses English words but its own dates. Pure apart from reading the packaged tables once.

    >>> strings = Strings.of("de")
    >>> strings("more_stories", count=2)
    '+2 weitere'
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LOCALES", "Strings", "languages"]

LOCALES = Path(__file__).parent / "locales"
FALLBACK = "en"


@cache
def _table(language: str) -> dict[str, Any]:
    path = LOCALES / f"{language}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data)


def languages() -> tuple[str, ...]:
    """The languages with a packaged string table."""
    return tuple(sorted(p.stem for p in LOCALES.glob("*.yaml")))


def _babel_locale(tag: str) -> Any:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


class Strings:
    """The phrases of one language; call with a key and the placeholders' values."""

    def __init__(self, tag: str) -> None:
        self.tag = tag or FALLBACK
        primary = self.tag.replace("_", "-").split("-")[0].lower()
        self.locale = _babel_locale(self.tag)
        own = _table(self.tag.lower()) or _table(primary)
        self.language = self.tag if own else FALLBACK
        self.table = _table(FALLBACK) | own

    @staticmethod
    def of(tag: str) -> Strings:
        """The (cached) phrases of `tag`."""
        return _strings(tag)

    def __call__(self, key: str, count: int | None = None, **values: Any) -> str:
        phrase = self.table[key]
        if isinstance(phrase, dict):
            form = self.locale.plural_form(count if count is not None else 1)
            phrase = phrase.get(form, phrase["other"])
        if count is not None:
            values["count"] = self.number(count)
        return str(phrase).format(**values)

    def number(self, value: int) -> str:
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=self.locale))

    def date(self, day: date, style: str = "full") -> str:
        """`day` written out as the language does (`Freitag, 20. November 2026`)."""
        from babel.dates import format_date

        return str(format_date(day, format=style, locale=self.locale))

    def greeting(self, first_name: str) -> str:
        """The salutation of a reader, by first name when known."""
        if first_name:
            return self("greeting_named", first_name=first_name)
        return self("greeting")


@cache
def _strings(tag: str) -> Strings:
    return Strings(tag)
