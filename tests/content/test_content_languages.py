"""Scraped pages in many languages: the per-language tables keep furniture out of the
headline, the body and the summary."""

from __future__ import annotations

from typing import Any

import pytest

from evaluation.robustness import load
from newsletter.content import lines as ln
from newsletter.content.clean import clean_scraped
from newsletter.content.langid import detect
from newsletter.content.languages import CATEGORIES, codes, language
from newsletter.content.summarize import summarize

CASES = load()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_robustness_case(case: dict[str, Any]) -> None:
    """Each written page: right headline, language, author and source; the gold body
    exactly (no boilerplate in it or in the three-sentence summary; the list, table and
    quoted text kept)."""
    clean = clean_scraped(case["text"])
    assert clean.title == case["title"]
    assert clean.language == case["language"]
    if "author" in case:
        assert clean.author == case["author"]
    if "source" in case:
        assert clean.source == case["source"]
    assert list(clean.paragraphs) == case["body"]
    body = "\n".join(clean.paragraphs)
    summary = summarize(clean.paragraphs, title=clean.title, language=clean.language).text
    for junk in case["boilerplate"]:
        assert junk.lower() not in body.lower(), junk
        assert junk.lower() not in summary.lower(), junk
    for kept in case.get("keep", ()):
        assert kept in body


# One line of each class in each of the six languages the tables must cover.
FURNITURE = {
    "en": ["Skip to content", "Accept all", "Advertisement", "Read more: Rents rise", "3 comments",
           "Share this article", "About the author", "Updated 3 hours ago", "6 min read"],
    "de": ["Zum Inhalt springen", "Alle akzeptieren", "Anzeige", "Lesen Sie auch: Mieten steigen",
           "3 Kommentare", "Artikel teilen", "Über den Autor", "Aktualisiert vor 3 Stunden",
           "Lesezeit: 6 Minuten"],
    "fr": ["Aller au contenu principal", "Tout accepter", "Publicité", "Lire aussi : Les loyers",
           "3 commentaires", "Partager cet article", "À propos de l'auteur",
           "Mis à jour il y a 3 heures", "6 min de lecture"],
    "es": ["Saltar al contenido", "Aceptar todo", "Publicidad", "Lee también: Suben los alquileres",
           "3 comentarios", "Compartir", "Sobre el autor", "Actualizado hace 3 horas",
           "6 min de lectura"],
    "it": ["Vai al contenuto", "Accetta tutto", "Pubblicità", "Leggi anche: Gli affitti salgono",
           "3 commenti", "Condividi", "Sull'autore", "Aggiornato 3 ore fa", "6 minuti di lettura"],
    "nl": ["Naar de inhoud", "Alles accepteren", "Advertentie", "Lees ook: Huren stijgen",
           "3 reacties", "Delen", "Over de auteur", "Bijgewerkt 3 uur geleden", "Leestijd 6 minuten"],
}  # fmt: skip
DISCLOSURES = {
    "en": "Affiliate disclosure: we may earn a commission when you buy through our links.",
    "de": "Dieser Artikel enthält Affiliate-Links: Bei einem Kauf erhalten wir eine Provision.",
    "fr": "Cet article contient des liens affiliés : nous pouvons percevoir une commission.",
    "es": "Este artículo contiene enlaces de afiliados; podemos recibir una comisión.",
    "it": "Questo articolo contiene link di affiliazione: potremmo ricevere una commissione.",
    "nl": "Dit artikel bevat affiliate links: wij ontvangen mogelijk een commissie.",
}
BYLINES = {
    "en": "By Ana Ruiz",
    "de": "Von Ana Ruiz",
    "fr": "Par Ana Ruiz",
    "es": "Por Ana Ruiz",
    "it": "Di Ana Ruiz",
    "nl": "Door Ana Ruiz",
}


@pytest.mark.parametrize("code", sorted(FURNITURE))
def test_every_language_recognises_its_furniture(code: str) -> None:
    """Skip links, banner buttons, ads, read-more prompts, comment counters, share prompts,
    author-bio headings, timestamps, reading times and disclosures are boilerplate in each
    language; a byline gives the author."""
    for line in [*FURNITURE[code], DISCLOSURES[code]]:
        assert ln.is_boilerplate(line), line
    assert ln.byline_author(BYLINES[code]) == "Ana Ruiz"


def test_prose_is_not_furniture() -> None:
    """Ordinary sentences that start with a table word stay text ("Home prices rose")."""
    for line in ("Home prices rose again in March.", "Share prices fell by a tenth on Monday.",
                 "Par ailleurs, la ville a voté le budget."):  # fmt: skip
        assert not ln.is_boilerplate(line), line


def test_tables_are_data_with_known_categories() -> None:
    """Each language table loads, uses only known categories, and the six required
    languages are there (adding a language is adding a YAML file)."""
    assert {"en", "de", "fr", "es", "it", "nl"} <= set(codes())
    for code in codes():
        table = language(code)
        assert table is not None
        assert set(table.phrases) == set(CATEGORIES)
        assert table.phrases["skip_links"]
        for category in ("consent", "affiliate", "newsletter", "copyright"):
            for phrase in table.phrases[category]:  # else the phrase would never be looked for
                assert any(word in phrase.lower() for word in table.triggers), (code, phrase)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The council voted on Monday to repair the old bridge over the river.", "en"),
        ("Der Gemeinderat hat am Montag beschlossen, die alte Brücke zu sanieren.", "de"),
        ("Le conseil municipal a voté lundi la rénovation du vieux pont.", "fr"),
        ("El ayuntamiento votó el lunes la reparación del viejo puente.", "es"),
        ("Il consiglio comunale ha votato lunedì la riparazione del vecchio ponte.", "it"),
        ("De gemeenteraad heeft maandag gestemd over de reparatie van de oude brug.", "nl"),
        ("市议会周一决定修复这座桥梁。", "zh"),
        ("市議会は月曜日、橋の修理を決めました。", "ja"),
    ],
)
def test_language_is_detected(text: str, code: str) -> None:
    """One sentence is enough to tell the table languages and Chinese and Japanese apart."""
    assert detect(text) == code
