"""Digest → rendered issue: Jinja2 templates for HTML, text and subject, CSS inlined once.

Per-subscriber values (name, address, unsubscribe links) are rendered as markers and
filled in later by cheap substitution, so an issue is rendered once per audience,
never once per subscriber; a filter applied to such a value is run per message (see
`Holes`). Pure apart from loading templates.
"""

from __future__ import annotations

import html
import re
import secrets
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from markupsafe import Markup, escape

from newsletter.config import Config
from newsletter.errors import RecipientError, TemplateError
from newsletter.i18n import Strings
from newsletter.model import Digest, Image, Item

OPEN, CLOSE = "\ue000", "\ue001"
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
HTML_CLIP_BYTES = 100_000


@dataclass(frozen=True)
class Personal:
    """A rendered text with per-subscriber holes: literal parts alternate with hole names."""

    parts: tuple[str, ...]

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        parts = list(self.parts)
        parts[1::2] = [values[k] for k in self.parts[1::2]]
        return "".join(parts)


class _Refused(jinja2.TemplateRuntimeError):
    """A template did with a subscriber's value what only a real value allows."""


_PER_READER = (
    "the issue is rendered once for every reader, and a subscriber's value is filled in "
    "per message, so it cannot decide an `if`, an `and`/`or` or a comparison; use a "
    "filter instead, as in {{ subscriber.name|default('there', true) }}"
)


class Hole(str):
    """A hole's marker as a template sees it: text for output and filters, but no truth
    value and no comparison (a template cannot branch on a value it does not have)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        raise _Refused(_PER_READER)

    def __eq__(self, other: object) -> bool:
        raise _Refused(_PER_READER)

    def __ne__(self, other: object) -> bool:
        raise _Refused(_PER_READER)

    def __lt__(self, other: object) -> bool:
        raise _Refused(_PER_READER)

    __le__ = __gt__ = __ge__ = __lt__
    __hash__ = str.__hash__


@dataclass(frozen=True)
class Derived:
    """A filter applied to per-subscriber values, run per message: `{{ name|upper }}`.

    Text arguments that held holes are kept as `Personal` texts (`markup`: a Markup
    one, to be filled with escaped values); everything else as given."""

    call: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    where: str = ""  # the template and the filter, for the reason when it fails

    @property
    def keys(self) -> frozenset[str]:
        """The holes its arguments hold."""
        texts = [*self.args, *(v for _, v in self.kwargs)]
        return frozenset().union(*(a.personal.keys for a in texts if isinstance(a, _Text)))

    def evaluate(self, values: Mapping[str, str], html_values: Mapping[str, str]) -> Any:
        def real(arg: Any) -> Any:
            if isinstance(arg, _Text):
                if arg.markup:
                    return markupsafe.Markup(arg.personal.fill(html_values))
                return arg.personal.fill(values)
            return arg

        try:
            return self.call(*map(real, self.args), **{k: real(v) for k, v in self.kwargs})
        except Exception as error:
            raise RecipientError(
                f"{self.where} failed on this reader's values ({type(error).__name__}: "
                f"{error}); fix the template or the values in subscribers.yaml"
            ) from error


@dataclass(frozen=True)
class _Text:
    personal: Personal
    markup: bool


class Holes:
    """The hole markers of one render: OPEN, a random nonce, the key, CLOSE.

    The nonce is new for every render, so no article, however it was written, can hold
    a marker: personalization fills only the holes the templates made. Filters applied
    to holes are recorded as `derived` holes, filled per message."""

    def __init__(self) -> None:
        self.prefix = f"{OPEN}{secrets.token_hex(8)}:"
        self._pattern = re.compile(f"{re.escape(self.prefix)}([^{OPEN}{CLOSE}]*){CLOSE}")
        self.derived: dict[str, Derived] = {}

    def marker(self, key: str) -> Hole:
        return Hole(f"{self.prefix}{key}{CLOSE}")

    def parse(self, text: str) -> Personal:
        return Personal(tuple(self._pattern.split(text)))

    def defer(
        self,
        call: Callable[..., Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        where: str = "",
    ) -> Hole:
        """A new hole whose value is `call(*args, **kwargs)` on the real values."""

        def kept(arg: Any) -> Any:
            if isinstance(arg, str) and self.prefix in arg:
                return _Text(self.parse(arg), isinstance(arg, markupsafe.Markup))
            return arg

        key = f"~{len(self.derived)}"
        self.derived[key] = Derived(
            call, tuple(map(kept, args)), tuple((k, kept(v)) for k, v in kwargs.items()), where
        )
        return self.marker(key)

    def holds(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> bool:
        """Whether any text among the arguments holds a hole of this render."""
        prefix = self.prefix
        return any(isinstance(a, str) and prefix in a for a in args) or any(
            isinstance(v, str) and prefix in v for v in kwargs.values()
        )


def _deferring(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Filter `name`, applied per message when one of its arguments holds a hole."""
    passes = getattr(getattr(function, "jinja_pass_arg", None), "name", None)

    @jinja2.pass_context
    def filter_(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
        first: tuple[Any, ...] = ()
        if passes == "context":
            first = (context,)
        elif passes == "eval_context":
            first = (context.eval_ctx,)
        elif passes == "environment":
            first = (context.environment,)
        holes = context.get("_holes")
        if isinstance(holes, Holes) and holes.holds(args, kwargs):
            where = f"{context.name or 'a template'}: the filter `{name}`"
            return holes.defer(function, first + args, kwargs, where)
        return function(*first, *args, **kwargs)

    filter_.__name__ = f"{name}_per_subscriber"
    return filter_


class _Subscriber:
    """What templates see as `subscriber`: every attribute becomes a hole filled per message."""

    KNOWN = frozenset({"email", "name", "first_name", "greeting"})

    def __init__(self, holes: Holes) -> None:
        self._holes = holes

    def __getattr__(self, name: str) -> str:
        # Unknown names fall through to StrictUndefined, so a typo fails with file and line.
        if name not in self.KNOWN:
            raise AttributeError(name)
        return self._holes.marker(name)

    @property
    def fields(self) -> Mapping[str, str]:
        return _Fields(self._holes)


def _or(value: str, default: Any) -> Any:
    return value if value != "" else default


class _Fields(dict[str, str]):
    def __init__(self, holes: Holes) -> None:
        super().__init__()
        self._holes = holes

    def __getitem__(self, key: str) -> str:
        return self._holes.marker(f"fields.{key}")

    def get(self, key: str, default: Any = None) -> str:
        hole = self._holes.marker(f"fields.{key}")
        if default is None:
            return hole
        return self._holes.defer(_or, (hole, default), {}, "fields.get")


@dataclass(frozen=True)
class RenderedIssue:
    """One audience's version of the issue: subject, HTML (inlined) and text, with holes."""

    digest: Digest
    subject: str
    html: Personal
    text: Personal
    language: str = "en"
    derived: Mapping[str, Derived] = field(default_factory=dict)

    @property
    def html_bytes(self) -> int:
        return len("".join(self.html.parts).encode())

    @cached_property
    def keys(self) -> frozenset[str]:
        """The subscriber values the holes take (not the derived ones)."""
        used = self.html.keys | self.text.keys
        return used.union(*(d.keys for d in self.derived.values())) - self.derived.keys()

    def values(self, given: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """The values of every hole for the text and for the HTML (escaped), from the
        subscriber's `given` ones (absent ones are empty) and the derived holes'."""
        values = dict(given)
        for key in self.keys - values.keys():
            values[key] = ""
        html_values = escape_values(values)
        for key, derived in self.derived.items():  # in order: each uses only earlier ones
            result = derived.evaluate(values, html_values)
            values[key] = str(result)
            html_values[key] = (
                str(result.__html__()) if hasattr(result, "__html__") else html.escape(str(result))
            )
        return values, html_values


def _wrap(text: str, width: int = 72, indent: str = "") -> str:
    """`text` filled to `width` columns, later lines indented by `indent`, words never
    broken: what `textwrap.fill(..., break_long_words=False, break_on_hyphens=False)`
    gives, several times faster (it runs per message on a line holding a reader's value)."""
    words = str(text).split()
    if not words:
        return ""
    lines: list[str] = []
    line, room = words[0], width
    for word in words[1:]:
        if len(line) + 1 + len(word) <= room:
            line += " " + word
        else:
            lines.append(line)
            line, room = indent + word, width
    lines.append(line)
    return "\n".join(lines)


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


def template_loader(templates_dir: Path | None) -> jinja2.BaseLoader:
    """The folder's own templates first (when it has the folder), then the packaged
    defaults; a template that is not UTF-8 is a TemplateError at its line."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None and templates_dir.is_dir():
        loaders.append(_Loader(templates_dir))
    loaders.append(_Loader(PACKAGE_TEMPLATES))
    return jinja2.ChoiceLoader(loaders)


class Renderer:
    """Loads the templates once (the folder's own first, then the packaged defaults)."""

    def __init__(self, config: Config, templates_dir: Path | None = None) -> None:
        self.config = config
        self.env = jinja2.Environment(
            loader=template_loader(templates_dir),
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
        # Every filter, given a subscriber's value, runs per message on the real value.
        for name, function in list(self.env.filters.items()):
            self.env.filters[name] = _deferring(name, function)
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
        holes = Holes()
        context = {
            "config": config,
            "issue": digest,
            "subscriber": _Subscriber(holes),
            "_holes": holes,
            "links": {
                "unsubscribe": holes.marker("unsubscribe"),
                "preferences": holes.marker("preferences"),
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
        if holes.prefix in subject:
            raise TemplateError(
                "subject.txt.j2: the subject is one for every reader and cannot hold a "
                "subscriber's value; remove it from the subject template"
            )
        return RenderedIssue(
            digest,
            subject,
            holes.parse(inlined),
            holes.parse(_tidy(text)),
            strings.tag,
            holes.derived,
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
