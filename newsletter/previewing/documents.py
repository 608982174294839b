"""Pages to show in a browser: the issue's HTML with a forced colour scheme, its text, an error.

Pure: takes strings, returns strings; never opens files or sockets.
"""

from __future__ import annotations

import html
import re

__all__ = ["SCHEMES", "error_page", "force_scheme", "text_page"]

SCHEMES = ("light", "dark")
_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(light|dark)\s*\)", re.IGNORECASE)
# Media features that always and never match, valid anywhere a feature is.
_ALWAYS, _NEVER = "(min-width: 0px)", "(max-width: 0px)"


def force_scheme(page: str, scheme: str) -> str:
    """`page` as a reader whose device is set to `scheme` sees it, whatever the viewer's own.

    Only the `prefers-color-scheme` conditions change; every other byte is the reader's.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    return _QUERY.sub(lambda m: _ALWAYS if m.group(1).lower() == scheme else _NEVER, page)


_TEXT_STYLE = {
    "light": "background:#ffffff;color:#1f2328",
    "dark": "background:#0d1117;color:#e6edf3",
}


def text_page(text: str, title: str, scheme: str = "light") -> str:
    """The plain-text part as a text-only mail client shows it: monospace, 72 columns fitting
    in 600 px, lines wrapped only on narrower screens."""
    colours = _TEXT_STYLE.get(scheme, _TEXT_STYLE["light"])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f'<body style="margin:0;{colours}">'
        '<pre style="margin:0;padding:12px;font:13px/1.5 ui-monospace,Menlo,Consolas,'
        "'DejaVu Sans Mono',monospace;white-space:pre-wrap;overflow-wrap:anywhere\">"
        f"{html.escape(text)}</pre></body></html>\n"
    )


def error_page(message: str, title: str = "The issue could not be rendered") -> str:
    """An error, with its file and line, where the issue would be; never a blank page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="margin:0;padding:16px;background:#ffffff;color:#1f2328;'
        'font:15px/1.5 system-ui,sans-serif">'
        f'<h1 style="margin:0 0 8px;font-size:18px;color:#a40e26">{html.escape(title)}</h1>'
        '<pre role="alert" style="margin:0 0 12px;padding:12px;background:#ffebe9;color:#82071e;'
        'border:1px solid #ff8182;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px">'
        f"{html.escape(message)}</pre>"
        '<p style="margin:0">Fix the file named above and save it: the preview reloads by '
        "itself.</p></body></html>\n"
    )
