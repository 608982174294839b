"""The issue's words and looks as each reader gets them: subjects true for her copy, her
language, the brand settings. In-process renders of the sample folder."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import ConfigError
from newsletter.folder import locate
from newsletter.i18n import LOCALES, Strings, languages
from newsletter.model import Subscriber
from newsletter.personal import Personalizer
from newsletter.preview import load_previews
from newsletter.render import Renderer, breakable, short_url
from tests.preview.issues import DAY, digest, filled

SAMPLE_DAY = "2026-11-20"


def stamped(folder: Path) -> Path:
    import os
    import time
    from datetime import datetime

    stamp = time.mktime(datetime.fromisoformat(f"{SAMPLE_DAY}T09:00:00").timetuple())
    for path in (folder / "articles").iterdir():
        os.utime(path, (stamp, stamp))
    return folder


def subject_of(folder: Path, address: str) -> str:
    preview = load_previews(locate(folder), SAMPLE_DAY).of(address)
    message = message_from_bytes(preview.message().data, policy=policy.default)
    return str(message["Subject"])


def test_each_reader_subject_names_her_own_stories(folder: Path) -> None:
    """A reader of Technology only is told of a Technology story and no "+N more" she
    will not find; a reader of two sections counts her own other stories; a reader of
    everything counts them all. The Subject header says the same."""
    stamped(folder)
    previews = load_previews(locate(folder), SAMPLE_DAY)
    everything = previews.of("ada@example.com")
    full, _ = everything.personalizer.audience(everything.subscriber)
    titles = [i.title for i in full.digest.items]
    assert len(titles) == 4

    grace = subject_of(folder, "grace@example.org")  # topics: technology
    tech = [i.title for s in full.digest.sections if s.key == "technology" for i in s.items]
    assert grace.endswith(tech[0]) and "(+" not in grace

    margaret = subject_of(folder, "margaret@example.com")  # topics: cities, energy
    own = [i.title for s in full.digest.sections if s.key in {"cities", "energy"} for i in s.items]
    assert margaret.endswith(f"{own[0]} (+{len(own) - 1} more)")

    ada = subject_of(folder, "ada@example.com")
    assert ada.endswith(f"{titles[0]} (+{len(titles) - 1} more)")


def test_a_subject_override_applies_to_every_reader(folder: Path) -> None:
    """A `digest.subjects` entry for the day is every reader's subject, whatever her topics."""
    stamped(folder)
    config = folder / "newsletter.yaml"
    text = config.read_text().replace(
        "digest:\n", f'digest:\n  subjects:\n    "{SAMPLE_DAY}": "A special edition"\n', 1
    )
    config.write_text(text)
    assert subject_of(folder, "grace@example.org") == "A special edition"
    assert subject_of(folder, "ada@example.com") == "A special edition"


# Dates are Babel's (CLDR), written independently of the tables; the phrase is the
# language's own word for the contents list.
LANGUAGES = {
    "en": ("Friday, November 20, 2026", "In this issue", "Unsubscribe"),
    "de": ("Freitag, 20. November 2026", "In dieser Ausgabe", "Abbestellen"),
    "fr": ("vendredi 20 novembre 2026", "Dans ce numéro", "Se désabonner"),
    "es": ("viernes, 20 de noviembre de 2026", "En este número", "Cancelar la suscripción"),
    "it": ("venerdì 20 novembre 2026", "In questo numero", "Annulla l’iscrizione"),
    "nl": ("vrijdag 20 november 2026", "In deze editie", "Afmelden"),
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_issue_speaks_the_newsletters_language(folder: Path, language: str) -> None:
    """With `language:` set, the HTML and text parts give the date, the contents heading,
    the reading time and the footer in that language, with `<html lang>` to match."""
    config = replace(load_config(folder / "newsletter.yaml"), language=language)
    rendered = Renderer(config).render(digest(6))
    html, text = filled(rendered), rendered.text.fill({k: "" for k in rendered.text.keys})
    day, contents, unsubscribe = LANGUAGES[language]
    assert f'<html lang="{language}"' in html
    for part in (html, text):
        assert day in part and contents in part and unsubscribe in part
    strings = Strings.of(language)
    assert strings("min_read", count=3) in html
    assert strings.date(DAY) == day


def test_a_readers_own_language_wins(folder: Path) -> None:
    """A subscriber whose `fields.language` is fr gets French words and a French greeting
    from a German newsletter; her neighbour without the field gets German."""
    stamped(folder)
    config = replace(load_config(folder / "newsletter.yaml"), language="de")
    previews = load_previews(locate(folder), SAMPLE_DAY)
    person = Personalizer(config, Renderer(config), previews.issue.digest, readonly=True)
    french = Subscriber(email="amelie@example.com", name="Amélie Dupont", fields={"language": "fr"})
    german = Subscriber(email="jonas@example.com", name="Jonas Weber")
    fr_html = person.composer_for(french)
    de_html = person.composer_for(german)
    from datetime import UTC, datetime

    now = datetime(2026, 11, 20, 7, tzinfo=UTC)
    fr_mail = message_from_bytes(fr_html(now).data, policy=policy.default)
    de_mail = message_from_bytes(de_html(now).data, policy=policy.default)
    fr_text = fr_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    de_text = de_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Bonjour Amélie," in fr_text and "Dans ce numéro" in fr_text
    assert "Hallo Jonas," in de_text and "In dieser Ausgabe" in de_text
    assert "autres)" in str(fr_mail["Subject"]) and "weitere)" in str(de_mail["Subject"])


def test_every_language_table_has_every_phrase_and_placeholder() -> None:
    """Each packaged table translates every English phrase with the same placeholders, so
    no language renders a missing key or an unfilled `{name}`."""
    english = Strings.of("en").table
    assert {"en", "de", "fr", "es", "it", "nl"} <= set(languages())
    import yaml

    for path in sorted(LOCALES.glob("*.yaml")):
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(table) == set(english), path.name
        for key, phrase in english.items():
            forms = phrase.values() if isinstance(phrase, dict) else [phrase]
            theirs = table[key]
            their_forms = theirs.values() if isinstance(theirs, dict) else [theirs]
            want = {p for f in forms for p in re.findall(r"{(\w+)}", f)}
            for form in their_forms:
                assert set(re.findall(r"{(\w+)}", form)) == want, (path.name, key)


def test_plural_forms_follow_the_language() -> None:
    """ "+1 more" and "+2 more" take each language's singular and plural (CLDR rules)."""
    assert Strings.of("fr")("more_stories", count=1) == "+1 autre"
    assert Strings.of("fr")("more_stories", count=2) == "+2 autres"
    assert Strings.of("it")("more_stories", count=5) == "+5 altri"
    assert Strings.of("de-AT")("more_stories", count=2) == "+2 weitere"


def test_reading_time_shows_only_when_it_informs(folder: Path) -> None:
    """Stories of one or two minutes carry no reading time; longer ones do."""
    config = load_config(folder / "newsletter.yaml")
    issue = digest(5)  # reading_minutes 1..5
    html = filled(Renderer(config).render(issue))
    assert "1 min read" not in html and "2 min read" not in html
    assert "3 min read" in html and "5 min read" in html


def test_view_in_browser_appears_once(folder: Path) -> None:
    """The email links to its web version once, in the masthead."""
    config = load_config(folder / "newsletter.yaml")
    html = filled(Renderer(config).render(digest(3)))
    assert html.count("View in browser") == 1


def test_long_tokens_get_break_points_and_short_addresses() -> None:
    """A long token gets <wbr> break points and stays escaped; short words are untouched;
    an address is shown as its host and the end of its path."""
    assert breakable("a short line") == "a short line"
    broken = breakable("<Donaudampfschifffahrtsgesellschaft>")
    assert "<wbr>" in broken and "&lt;" in broken
    assert broken.replace("<wbr>", "") == "&lt;Donaudampfschifffahrtsgesellschaft&gt;"
    assert short_url("https://www.example.org/a/b/report.pdf") == "example.org/…/report.pdf"
    assert short_url("https://example.org/") == "example.org"


def write_brand(folder: Path, brand: str) -> Path:
    path = folder / "newsletter.yaml"
    path.write_text(path.read_text() + brand)
    return path


def test_brand_colour_and_logo_show_in_the_masthead(folder: Path) -> None:
    """`brand.color` paints the bar, section titles, links and buttons; `brand.logo` is an
    <img> with its width, height and alt text above the name."""
    path = write_brand(
        folder,
        "brand:\n  color: '#7a1f5c'\n  logo:\n    url: https://news.example.com/logo.png\n"
        "    width: 160\n    height: 40\n    alt: The Morning Sample logo\n",
    )
    html = filled(Renderer(load_config(path)).render(digest(3)))
    assert html.count("#7a1f5c") >= 5 and "#0b5cad" not in html
    logo = re.search(r'<img class="logo"[^>]*>', html)
    assert logo is not None
    assert 'width="160"' in logo.group() and 'height="40"' in logo.group()
    assert 'alt="The Morning Sample logo"' in logo.group()


@pytest.mark.parametrize(
    ("brand", "error"),
    [
        ("brand:\n  color: '#ffcc00'\n", r"reads at 1\.\d:1 against white"),
        ("brand:\n  color: teal\n", "is not a colour like #0b5cad"),
        ("brand:\n  logo:\n    url: https://x.example/l.png\n", "missing required key `alt`"),
        (
            "brand:\n  logo: {url: 'http://x.example/l.png', width: 1, height: 1, alt: L}\n",
            "https://",
        ),
    ],
)
def test_a_bad_brand_is_a_config_error_with_its_line(folder: Path, brand: str, error: str) -> None:
    """A pale accent colour, a colour that is not one, or an incomplete or http logo is a
    configuration error naming newsletter.yaml and the line."""
    path = write_brand(folder, brand)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert re.search(error, message), message
    assert re.search(r"newsletter\.yaml:\d+", message), message
