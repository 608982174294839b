"""Digest → rendered issue: Jinja2 templates for HTML, text and subject, CSS inlined once.

Per-subscriber values (name, address, unsubscribe links) are rendered as markers and
filled in later by cheap substitution, so an issue is rendered once per audience,
never once per subscriber. Pure apart from loading templates.
"""

from __future__ import annotations

import html
import re
import textwrap
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from newsletter.config import Config
from newsletter.errors import TemplateError
from newsletter.model import Digest, Item

OPEN, CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{OPEN}([^{CLOSE}]*){CLOSE}")
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
HTML_CLIP_BYTES = 100_000


def marker(key: str) -> str:
    return f"{OPEN}{key}{CLOSE}"


@dataclass(frozen=True)
class Personal:
    """A rendered text with per-subscriber holes: literal parts alternate with hole names."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Personal:
        return cls(tuple(_MARKER.split(text)))

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        parts = list(self.parts)
        parts[1::2] = [values[k] for k in self.parts[1::2]]
        return "".join(parts)


class _Subscriber:
    """What templates see as `subscriber`: every attribute becomes a hole filled per message."""

    KNOWN = frozenset({"email", "name", "first_name", "greeting"})

    def __getattr__(self, name: str) -> str:
        # Unknown names fall through to StrictUndefined, so a typo fails with file and line.
        if name not in self.KNOWN:
            raise AttributeError(name)
        return marker(name)

    @property
    def fields(self) -> Mapping[str, str]:
        return _Fields()


class _Fields(dict[str, str]):
    def __getitem__(self, key: str) -> str:
        return marker(f"fields.{key}")

    def get(self, key: str, default: Any = None) -> str:
        return marker(f"fields.{key}")


@dataclass(frozen=True)
class RenderedIssue:
    """One audience's version of the issue: subject, HTML (inlined) and text, with holes."""

    digest: Digest
    subject: str
    html: Personal
    text: Personal

    @property
    def html_bytes(self) -> int:
        return len("".join(self.html.parts).encode())


def _wrap(text: str, width: int = 72, indent: str = "") -> str:
    return textwrap.fill(
        " ".join(str(text).split()),
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _longdate(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def anchor(item: Item) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", item.title.lower()).strip("-")[:48]
    return f"item-{slug or 'story'}"


class _Loader(jinja2.FileSystemLoader):
    """A folder of templates whose files must be UTF-8: one that is not is a TemplateError
    at its line, not a UnicodeDecodeError from deep inside Jinja."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as error:
            line = error.object[: error.start].count(b"\n") + 1
            path = next(
                (
                    Path(root, *template.split("/"))
                    for root in self.searchpath
                    if Path(root, *template.split("/")).is_file()
                ),
                Path(template),
            )
            raise TemplateError(
                f"{path}:{line}: not UTF-8 text (byte {error.object[error.start]:#04x}); "
                "save the template as UTF-8"
            ) from None


class Renderer:
    """Loads the templates once (the folder's own first, then the packaged defaults)."""

    def __init__(self, config: Config, templates_dir: Path | None = None) -> None:
        self.config = config
        loaders: list[jinja2.BaseLoader] = []
        if templates_dir is not None and templates_dir.is_dir():
            loaders.append(_Loader(templates_dir))
        loaders.append(_Loader(PACKAGE_TEMPLATES))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html.j2", "html"], default=False),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["wrap"] = _wrap
        self.env.filters["longdate"] = _longdate
        self.env.globals["anchor"] = anchor

    def render(self, digest: Digest, editor_notes: Sequence[str] = ()) -> RenderedIssue:
        """Render `digest` once; subscriber values stay as holes (see `Personal`)."""
        import css_inline

        context = {
            "config": self.config,
            "issue": digest,
            "subscriber": _Subscriber(),
            "links": {
                "unsubscribe": marker("unsubscribe"),
                "preferences": marker("preferences"),
                "archive": f"{self.config.site_url}/archive/{digest.date.isoformat()}",
            },
            "preheader": " · ".join(i.teaser for i in digest.items[:3]) or digest.subject,
            "editor_notes": list(editor_notes),
        }
        subject = " ".join(self._render("subject.txt.j2", context).split())
        text = self._render("email.txt.j2", context)
        page = self._render("email.html.j2", context)
        inlined = css_inline.inline(page)
        return RenderedIssue(digest, subject, Personal.parse(inlined), Personal.parse(_tidy(text)))

    def _render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.filename or name}:{error.lineno}"
            message = (error.message or "syntax error").rstrip(".")
            raise TemplateError(f"{where}: {message}; fix the template syntax") from None
        except jinja2.TemplateError as error:
            where = _template_line(error, name)
            raise TemplateError(
                f"{where}: {error.message}; check the variable names against the "
                "packaged templates (newsletter/templates)"
            ) from None
        except TemplateError:
            raise
        except Exception as error:  # raised by an expression: `{{ 1 // 0 }}`, a bad filter
            where = _template_line(error, name)
            raise TemplateError(
                f"{where}: {type(error).__name__}: {error}; fix the expression on that line"
            ) from None


def _template_line(error: BaseException, name: str) -> str:
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}:{frame.lineno}"
    return name


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by template logic; strip trailing spaces."""
    lines = [line.rstrip() if line != "-- " else line for line in text.splitlines()]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return out + "\n"


_HTML_SPECIAL = re.compile("[&<>\"']")


def escape_values(values: Mapping[str, str]) -> dict[str, str]:
    """Values safe to fill into the HTML holes (most need no escaping: a quick look first)."""
    return {
        k: html.escape(v, quote=True) if _HTML_SPECIAL.search(v) else v for k, v in values.items()
    }
