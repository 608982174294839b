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
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from newsletter.config import Config
from newsletter.errors import TemplateError
from newsletter.i18n import Strings
from newsletter.model import Digest, Image, Item

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
    language: str = "en"

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


@jinja2.pass_context
def _longdate(context: jinja2.runtime.Context, day: date) -> str:
    strings: Strings = context["t"]
    return strings.date(day)


def anchor(item: Item) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", item.title.lower()).strip("-")[:48]
    return f"item-{slug or 'story'}"


# Long words and addresses must wrap in clients that drop `overflow-wrap` and `word-break`
# (Gmail, Outlook, Yahoo): a <wbr> marks where a token may break.
LONG_TOKEN = 16
_TOKEN = re.compile(rf"\S{{{LONG_TOKEN + 1},}}")
_BREAK_AFTER = re.compile(r"([/._\-?&=#:~+,@]+)")
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _break_token(token: str, every: int = 12) -> str:
    """An escaped `token` with a <wbr> after punctuation and inside long runs of letters."""
    out = []
    for piece in _BREAK_AFTER.split(token):
        if _BREAK_AFTER.fullmatch(piece):
            out.append(str(escape(piece)) + "<wbr>")
            continue
        chunks = [piece[i : i + every] for i in range(0, len(piece), every)]
        out.append("<wbr>".join(str(escape(c)) for c in chunks))
    return "".join(out).removesuffix("<wbr>")


def breakable(text: Any) -> Markup:
    """`text` escaped for HTML, its tokens past `LONG_TOKEN` characters given break points."""
    if isinstance(text, Markup):
        return text
    raw = str(text)
    out, last = [], 0
    for found in _TOKEN.finditer(raw):
        out.append(str(escape(raw[last : found.start()])))
        out.append(_break_token(found.group()))
        last = found.end()
    out.append(str(escape(raw[last:])))
    return Markup("".join(out))


def short_url(url: str, keep: int = 24) -> str:
    """An address as a reader needs to see it: host and the end of the path, no scheme."""
    rest = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    host, _, path = rest.partition("/")
    if not path:
        return host
    last = path.rsplit("/", 1)[-1] or path
    if len(last) > keep:
        last = last[: keep - 1] + "…"
    return f"{host}/{last}" if last == path else f"{host}/…/{last}"


def linked(text: Any) -> Markup:
    """Prose with its web addresses turned into links that show a short, breakable text."""
    raw = str(text)
    out, last = [], 0
    for found in _URL.finditer(raw):
        url = found.group()
        out.append(str(breakable(raw[last : found.start()])))
        out.append(f'<a href="{escape(url)}">{breakable(short_url(url))}</a>')
        last = found.end()
    out.append(str(breakable(raw[last:])))
    return Markup("".join(out))


COLUMN = 544  # the 600 px column less its padding: the widest an image is shown


def image_size(image: Image, column: int = COLUMN) -> tuple[int, int | None]:
    """The width and height attributes of `image` in a `column`-wide cell, ratio kept."""
    if not image.width:
        return column, None
    width = min(image.width, column)
    height = round(image.height * width / image.width) if image.height else None
    return width, height


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
        self.env.filters["breakable"] = breakable
        self.env.filters["linked"] = linked
        self.env.filters["short_url"] = short_url
        self.env.globals["anchor"] = anchor
        self.env.globals["image_size"] = image_size

    def render(
        self,
        digest: Digest,
        editor_notes: Sequence[str] = (),
        *,
        language: str | None = None,
        web: bool = False,
    ) -> RenderedIssue:
        """Render `digest` once; subscriber values stay as holes (see `Personal`).

        `language` (a BCP 47 tag) picks the words and dates, else the config's
        `language:`. The subject is the audience's own: its lead story and the count
        of its other stories. `web` renders the public edition of the archive: no
        greeting, no personal footer, a way to subscribe.
        """
        import css_inline

        from newsletter.digest import subject_for

        config = self.config
        strings = Strings.of(language or config.language)
        digest = replace(digest, subject=subject_for(config, digest, strings))
        archive = f"{config.site_url}/archive/{digest.date.isoformat()}"
        context = {
            "config": config,
            "issue": digest,
            "subscriber": _Subscriber(),
            "links": {
                "unsubscribe": marker("unsubscribe"),
                "preferences": marker("preferences"),
                "archive": archive,
                "subscribe": config.brand.subscribe_url or f"{config.site_url}/subscribe",
                # In-page anchors are ignored by many mobile clients: the contents list
                # of the email points at the story on the web edition instead.
                "story": "#" if web else f"{archive}#",
            },
            "t": strings,
            "language": strings.tag,
            "web": web,
            "accent": config.brand.color,
            "preheader": " · ".join(i.teaser for i in digest.items[:3]) or digest.subject,
            "editor_notes": list(editor_notes),
        }
        subject = " ".join(self._render("subject.txt.j2", context).split())
        text = self._render("email.txt.j2", context)
        page = self._render("email.html.j2", context)
        inlined = css_inline.inline(page)
        return RenderedIssue(
            digest, subject, Personal.parse(inlined), Personal.parse(_tidy(text)), strings.tag
        )

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
