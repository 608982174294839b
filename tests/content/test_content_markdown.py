"""Markdown bodies become plain paragraphs with the markup gone and the text kept."""

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
    assert clean_markdown("Itâ€™s “fine”") == ('It\'s "fine"',)
