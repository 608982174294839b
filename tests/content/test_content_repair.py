"""Repair of damaged characters: mojibake, `?` for NBSP, spaces and quotes."""

import importlib
import itertools
import random
import re._constants as sre
import re._parser as sre_parse
import subprocess
import sys
from typing import Any

import pytest

from newsletter.content.repair import repair


def test_question_mark_between_words_becomes_a_space() -> None:
    """A `?` glued between two words is a lost non-breaking space."""
    assert repair("Solar power?keeps the?vaccines cold.") == "Solar power keeps the vaccines cold."


def test_real_questions_survive_in_a_damaged_text() -> None:
    """A question mark that ends a question stays, even when the text has NBSP damage."""
    text = "Who pays?\nThe fund?pays for the kits. Will it grow?"
    assert repair(text) == "Who pays?\nThe fund pays for the kits. Will it grow?"


def test_caption_with_damage_becomes_a_clean_credit() -> None:
    """`?` after a sentence mark, inside a credit and after the closing bracket all go."""
    assert repair("Nurses at work.?(PHOTO:?Ana Lima)?") == "Nurses at work. (PHOTO: Ana Lima)"


def test_text_without_damage_keeps_every_question_mark() -> None:
    """Without evidence of damage, no `?` is touched (not even after a bracket)."""
    text = "Is it safe (for now)?\nNobody knows."
    assert repair(text) == text


def test_urls_keep_their_query_strings() -> None:
    """A `?` inside a URL is a query string, not damage."""
    text = "The?report is at https://example.org/view?id=12 today."
    assert repair(text) == "The report is at https://example.org/view?id=12 today."


def test_mojibake_is_fixed() -> None:
    """UTF-8 read as Windows-1252 is turned back into the intended characters."""
    assert (
        repair("The cafÃ© opened vis-Ã\xa0-vis the station")
        == "The café opened vis-à-vis the station"
    )


def test_typography_is_kept_as_written() -> None:
    """Curly quotes, German and French quotes, dashes, ellipses, the zero-width joiner
    of an emoji sequence and full-width Chinese punctuation come out as they went in."""
    for text in ("“It’s done” — she said…", "„Gut“, sagte sie – « oui »", "👩🏽‍💻 Zürich’s"):
        assert repair(text) == text


def test_lost_apostrophe_is_not_a_dagger() -> None:
    """`â€` then a space between letters (a ’ whose last byte was lost) becomes ’, not †."""
    assert repair("donâ€ t stop") == "don’t stop"


def test_french_no_break_spaces_are_restored() -> None:
    """In French, `?` left for a no-break space before : ; ! ? » and after «, in numbers
    and before units becomes U+00A0; an elided article gets its apostrophe back."""
    damaged = "À Lyon?: «?électoraliste?», 1?euro, 34?000 élèves, l?école. Vraiment ?"
    assert repair(damaged, "fr") == (
        "À Lyon\u00a0: «\u00a0électoraliste\u00a0», 1\u00a0euro, 34\u00a0000 élèves, l’école."
        " Vraiment ?"
    )


def test_french_rules_stay_with_french() -> None:
    """An English text keeps `word?:` untouched: the no-break rules are French table data."""
    assert repair("Why?: the case for it") == "Why?: the case for it"


def test_whitespace_is_normalized_and_paragraph_breaks_kept() -> None:
    """Runs of spaces collapse, lines are stripped, blank lines shrink to one."""
    text = "  One\u00a0 two\t three  \n\n\n\nFour\u200bfive six\u00a0seven "
    assert repair(text) == "One two three\n\nFourfive six\u00a0seven"


# ftfy is not needed for text it would only un-curl: these tests hold that claim against
# the installed ftfy, so an ftfy upgrade that breaks it fails here.

_REPAIR = importlib.import_module("newsletter.content.repair")
_PLAIN = [chr(c) for c in range(0x80, 0x2100) if _REPAIR._UNCURLABLE.fullmatch(chr(c))]


def _ftfy_fix(text: str) -> str:
    """What repair's ftfy call gives, with the configuration repair picks."""
    fix_text, fix_all, fix_no_encoding = _REPAIR._ftfy()
    return str(fix_text(text, fix_all if _REPAIR._MOJIBAKE_LEAD.search(text) else fix_no_encoding))


def test_every_badness_pattern_needs_a_non_ascii_pair_or_a_marked_character() -> None:
    """ftfy's mojibake heuristic (BADNESS_RE) cannot match text without two non-ASCII
    characters in a row, a C1 control, or one of Â Ã Œ œ (none of which the plain
    characters include): each branch of the pattern needs one of those."""
    from ftfy.badness import BADNESS_RE

    marked = {ord(c) for c in "ÂÃŒœ"} | set(range(0x80, 0xA0))
    assert not any(chr(c) in _PLAIN for c in marked)

    def chars(op: object, av: Any) -> set[int] | None:
        """The code points one element matches; None when it may match ASCII or any."""
        if op is sre.LITERAL:
            return {av}
        if op is sre.IN:
            out: set[int] = set()
            for kind, value in av:
                if kind is sre.LITERAL:
                    out.add(value)
                elif kind is sre.RANGE:
                    out |= set(range(value[0], value[1] + 1))
                else:
                    return None
            return out
        return None

    (top,) = list(sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags))
    assert top[0] is sre.BRANCH
    for branch in top[1][1]:
        sets = [None if op is sre.MAX_REPEAT and av[0] == 0 else chars(op, av) for op, av in branch]
        non_ascii = [s is not None and min(s) >= 0x80 for s in sets]
        pair = any(a and b for a, b in itertools.pairwise(non_ascii))
        single = any(s is not None and s <= marked for s in sets)
        assert pair or single, branch


def test_plain_characters_are_left_alone_by_every_other_fix() -> None:
    """No plain character is one that ftfy's C1, ligature, width, control, surrogate or
    line-break fixes change."""
    from ftfy import chardata, fixes

    for char in _PLAIN:
        assert not chardata.C1_CONTROL_RE.match(char)
        assert ord(char) not in chardata.LIGATURES
        assert ord(char) not in chardata.WIDTH_MAP
        assert ord(char) not in chardata.CONTROL_CHARS
        assert fixes.fix_line_breaks(char) == char
        assert fixes.fix_surrogates(char) == char

    for char in "\t\n\x0c" + "".join(chr(c) for c in range(0x20, 0x7F)):
        if _REPAIR._UNCURLABLE.fullmatch(char):
            assert fixes.remove_control_chars(char) == char
            assert char not in "&\r\x1b"


@pytest.mark.parametrize("seed", range(3))
def test_repair_without_ftfy_gives_what_ftfy_gives(seed: int) -> None:
    """On random text mixing plain characters, mojibake, entities and control characters,
    `_fix` equals ftfy's fix, whichever way it takes."""
    rng = random.Random(seed)
    ascii_chars = list("abcdefghij ABC.,;:!?'\"-()[]{}#%$0123\n\t")
    other = [*"&\r\x1b\x00\u0085\u2028\ufeff\u3000\uff21\u0132\u0153\u00c2\u00c3\u0301\u02bc"]
    other += ["Ã©", "â€œ", "â€™", "Ã", "Â ", "&amp;", "caf\u00e9\u201d"]
    without_ftfy = 0
    for _ in range(3000):
        text = "".join(
            rng.choice(_PLAIN if r < 0.3 else other if r < 0.33 else ascii_chars)
            for r in (rng.random() for _ in range(rng.randint(1, 40)))
        )
        if not text.isascii():
            assert _REPAIR._fix(text) == _ftfy_fix(text), repr(text)
            without_ftfy += text == _ftfy_fix(text)
    assert without_ftfy > 300  # both ways were taken


def test_common_news_text_is_repaired_without_importing_ftfy() -> None:
    """Curly quotes, dashes, bullets and accented letters (no mojibake) need no ftfy."""
    code = (
        "import sys\n"
        "from newsletter.content.repair import repair\n"
        "out = repair('\u201cIt\u2019s a caf\u00e9 \u2014 na\u00efve\u201d, said Zo\u00eb. \u2022 \u20ac5\u2026')\n"
        "assert out == '\u201cIt\u2019s a caf\u00e9 \u2014 na\u00efve\u201d, said Zo\u00eb. \u2022 \u20ac5\u2026', out\n"
        "print('ftfy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
