"""The issue as a strict mail client shows it: what Gmail, Outlook and Yahoo drop, dropped.

Pure: takes HTML, returns HTML. Several clients ignore `<style>` blocks (Gmail's
webmail for other accounts, Outlook's apps), the styles of `<body>` (Outlook for
Mac, iOS and Android, Yahoo mobile, ProtonMail, Fastmail) and some properties
altogether (caniemail: `overflow-wrap`, `word-break` in Gmail, Outlook and Yahoo).
A page that still reads well after `strict_client` reads well in all of them.
"""

from __future__ import annotations

import re

__all__ = ["DROPPED_PROPERTIES", "strict_client"]

# Properties that Gmail, Outlook.com/Windows or Yahoo webmail lack (caniemail.com data).
DROPPED_PROPERTIES = ("overflow-wrap", "word-break", "word-wrap", "hyphens", "text-wrap")

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)
_BODY_STYLE = re.compile(r"(<body\b[^>]*?)\s+style=\"[^\"]*\"", re.I)
_DROPPED = re.compile(
    r"(?<![\w-])(?:{})\s*:[^;\"]*;?".format("|".join(map(re.escape, DROPPED_PROPERTIES))), re.I
)
_STYLE_ATTR = re.compile(r"\sstyle=\"([^\"]*)\"", re.I)


def strict_client(html: str) -> str:
    """`html` without its `<style>` blocks, its `<body>` styles and the dropped properties."""
    html = _STYLE_BLOCK.sub("", html)
    html = _BODY_STYLE.sub(r"\1", html)
    return _STYLE_ATTR.sub(lambda m: f' style="{_DROPPED.sub("", m.group(1))}"', html)
