"""Markdown bodies become plain paragraphs with the markup gone and the text kept."""

import importlib
import random
import re

from newsletter.content.clean import clean_markdown

BODY = """# Battery trains

The **regional** rail operator will replace its _diesel_ fleet,
says [the operator](https://rail.example/news "press release").

![A battery train](train.jpg)

## What changes

- Trains every `30` minutes
- New sidings at *two* stations

> Passengers welcomed the plan.

```python
print("not prose")
```

| Line | Trains |
|------|--------|
| North | 12 |

Footnote with <em>inline HTML</em> and an escaped \\*star\\*.
"""


def test_markdown_markup_is_stripped_and_text_kept() -> None:
    """Headings, emphasis, links, lists, quotes and tables turn into plain paragraphs."""
    assert clean_markdown(BODY) == (
        "Battery trains",
        "The regional rail operator will replace its diesel fleet, says the operator.",
        "A battery train",
        "What changes",
        "Trains every 30 minutes",
        "New sidings at two stations",
        "Passengers welcomed the plan.",
        "Line | Trains",
        "North | 12",
        "Footnote with inline HTML and an escaped *star*.",
    )


def test_markdown_text_is_repaired() -> None:
    """Markdown text gets the same character repair as scraped text."""
    assert clean_markdown("Itâ€™s “fine”") == ("It’s “fine”",)


def _all_inline_rules(text: str) -> str:
    """Every inline rule applied in turn, as `_md_inline` applies them to marked text."""
    md = importlib.import_module("newsletter.content.markdown")
    text = md._MD_ESCAPE.sub(lambda m: chr(md._SHELTER + ord(m.group(1))), text)
    text = md._MD_IMAGE.sub(lambda m: m.group(1), text)
    text = md._MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = md._MD_AUTOLINK.sub(lambda m: m.group(1), text)
    text = md._MD_HTML.sub("", text)
    text = md._MD_CODE.sub(lambda m: m.group(1), text)
    text = md._MD_URL.sub(lambda m: md._shelter(m.group(0), "_*~"), text)
    for _ in range(3):
        text = md._MD_EMPH.sub(lambda m: m.group(2), text)
        text = md._MD_UNDERSCORE.sub(lambda m: m.group(2), text)
    return re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group(0)) - md._SHELTER), text)


def test_text_without_markup_characters_skips_the_rules_with_the_same_result() -> None:
    """Prose without `\\ [ < ` * _ ~` (or sheltered characters) is returned as it is; on
    random markup the shortcut changes nothing."""
    md = importlib.import_module("newsletter.content.markdown")
    rng = random.Random(0)
    alphabet = [*"ab c\\[]()<>`*_~!#-|:/h\ue000\ue05c\ue080", "**", "![i](u)", "[l](u)", "<b>"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        assert md._md_inline(text) == _all_inline_rules(text), repr(text)


def test_underscores_inside_words_and_addresses_survive() -> None:
    """`utm_source`, `enter_async_context` and the `_` of a URL are not emphasis markers;
    `_word_` at word edges still is."""
    assert clean_markdown(
        "Call enter_async_context, not _this_: https://example.org/a_b?utm_source=x_y"
    ) == ("Call enter_async_context, not this: https://example.org/a_b?utm_source=x_y",)
