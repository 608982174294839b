"""newsletter.yaml: its schema, defaults and validation with `file:line:col` messages.

`load_config` reads the file; everything else is pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from newsletter.errors import ConfigError, Problem
from newsletter.suggest import did_you_mean
from newsletter.yamlnodes import compose_file, mapping_items, scalar, where


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass(frozen=True)
class Header:
    """One HTTP header a source sends: its value written in the config, or read at
    fetch time from the environment variable `env` (for cookies and API keys)."""

    name: str
    value: str | None = None
    env: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    """One source: a folder of article files, an RSS/Atom/JSON feed (a URL, a page that
    announces its feed, or a local file), or one web page (`page`) holding an article."""

    kind: str  # "folder" | "feed" | "page"
    location: str  # a path relative to the folder, or a URL
    name: str | None = None
    timeout: float = 20.0
    full_text: bool | None = None  # fetch each entry's page; None: when every entry is a teaser
    concurrency: int = 4  # page fetches at once for this source (full text)
    user_agent: str | None = None  # None: the default, naming the program and the site
    headers: tuple[Header, ...] = ()
    proxy: str | None = None


@dataclass(frozen=True)
class SectionRule:
    key: str
    title: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestSettings:
    max_items: int = 12
    max_per_section: int = 5
    summary_sentences: int = 3
    subject: str | None = None  # a template such as "{name} #{number}: {top}"
    subjects: dict[str, str] = field(default_factory=dict)  # per-date overrides
    images: bool = True  # each item links its lead article's image, when it has one
    weekly_day: str = "friday"  # the day of the weekly edition
    weekly_subject: str = "{name} weekly #{number}: {top}{more}"


@dataclass(frozen=True)
class SendingSettings:
    concurrency: int = 4
    rate: float = 50.0  # messages per second; 0 means unlimited
    retries: int = 4
    timeout: float = 30.0
    backoff: float = 1.0  # seconds before the first retry; doubles each time, with jitter
    smtputf8: bool = False


@dataclass(frozen=True)
class UnsubscribeSettings:
    mailto: str | None = None
    secret_file: str | None = None  # a path outside git; NEWSLETTER_SECRET wins


@dataclass(frozen=True)
class SignupSettings:
    """`signup:`: the double opt-in of `newsletter serve`'s /subscribe."""

    expiry_days: float = 7.0  # a confirmation link works this long; then the entry goes
    per_address_per_day: int = 3  # confirmation messages to one address
    per_client_per_hour: int = 10  # signups from one client address
    welcome: bool = True  # a welcome message once confirmed


@dataclass(frozen=True)
class DkimSettings:
    domain: str
    selector: str
    key_file: str
    algorithm: str = "rsa-sha256"


@dataclass(frozen=True)
class BounceSettings:
    """Where bounces go and when a reader counts as bounced (`bounces:` in newsletter.yaml)."""

    address: str | None = None  # default: bounces@ the sender's domain
    verp: bool = True  # a personal, signed Return-Path per message
    soft_limit: int = 3  # this many soft bounces…
    soft_days: int = 15  # …within this many days make a reader bounced


@dataclass(frozen=True)
class Logo:
    """The masthead's image: an absolute https URL, its size in CSS pixels, its words."""

    url: str
    width: int
    height: int
    alt: str


DEFAULT_ACCENT = "#0b5cad"


@dataclass(frozen=True)
class Brand:
    """How the issue looks: the accent colour of links and buttons, an optional logo,
    and where the web edition sends people who want to subscribe."""

    color: str = DEFAULT_ACCENT
    logo: Logo | None = None
    subscribe_url: str | None = None


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Config:
    name: str
    sender: Sender
    site_url: str
    path: Path
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    language: str = "en"
    description: str = ""
    postal_address: str = ""
    reply_to: str | None = None
    smtp_url: str | None = None
    smtp_urls: tuple[str, ...] = ()  # every relay of `smtp: {urls: [...]}`; smtp_url is the first
    sources: tuple[SourceConfig, ...] = ()
    sections: tuple[SectionRule, ...] = ()
    digest: DigestSettings = field(default_factory=DigestSettings)
    sending: SendingSettings = field(default_factory=SendingSettings)
    unsubscribe: UnsubscribeSettings = field(default_factory=UnsubscribeSettings)
    dkim: DkimSettings | None = None  # the first key of `dkim_keys`
    dkim_keys: tuple[DkimSettings, ...] = ()  # `dkim:` as a list: one signature per key
    bounces: BounceSettings = field(default_factory=BounceSettings)
    # `list_id:` in newsletter.yaml, else the one recorded by the first send (see
    # `newsletter.identity`); None: derived from `name`, as before either existed.
    fixed_list_id: str | None = None
    sender_id: str | None = None  # `feedback_id: {sender_id: …}`, the last Feedback-ID field
    brand: Brand = field(default_factory=Brand)
    signup: SignupSettings = field(default_factory=SignupSettings)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def list_id(self) -> str:
        """The RFC 2919 list label: stable for the life of the list, whatever `name` becomes."""
        return self.fixed_list_id or derived_list_id(self.name, self.sender.domain)

    @property
    def bounce_address(self) -> str:
        """The fixed Return-Path: `bounces.address`, else bounces@ the sender's domain."""
        return self.bounces.address or f"bounces@{self.sender.domain}"


def derived_list_id(name: str, domain: str) -> str:
    """The list label made from a newsletter's name: what `init` fixes and a first send records."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "newsletter"
    return f"{label}.{domain}"


_LIST_ID = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{5,15}$")


_HINT = (
    "Fix the lines above in newsletter.yaml; the README's configuration reference lists every key."
)
# Headers that carry credentials: their values come from the environment only.
_SECRET_HEADERS = frozenset(("cookie", "authorization", "proxy-authorization"))
_SYNTAX_HINT = (
    "Fix that line of newsletter.yaml: keys of one level line up, two spaces deeper than "
    "the key they belong to."
)
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class _Reader:
    """Walks the node tree, converting values and collecting every problem."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def fields(
        self, node: yaml.Node, spec: Mapping[str, Callable[[yaml.Node], Any]], required: set[str]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        seen_nodes: dict[str, yaml.Node] = {}
        for key, key_node, value_node in mapping_items(self.path, node, self.problems):
            if key not in spec:
                message = f"unknown key `{key}`" + did_you_mean(key, spec)
                known = ", ".join(sorted(spec))
                self.problems.append(where(self.path, key_node, f"{message} (known: {known})"))
                continue
            seen_nodes[key] = value_node
            converted = spec[key](value_node)
            if converted is not _INVALID:
                values[key] = converted
        for key in sorted(required - seen_nodes.keys()):
            self.problems.append(where(self.path, node, f"missing required key `{key}`"))
        return values

    def fail(self, node: yaml.Node, message: str) -> object:
        self.problems.append(where(self.path, node, message))
        return _INVALID

    def string(self, node: yaml.Node) -> Any:
        value = scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            return self.fail(node, "expected a non-empty text value")
        return value.strip()

    def address(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is _INVALID:
            return value
        if not _ADDRESS.match(value) or not value.isascii():
            return self.fail(node, f"`{value}` is not an email address like news@example.com")
        return value

    def url(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is not _INVALID and not re.match(r"^https?://[^/\s]+", value):
            return self.fail(node, f"`{value}` is not an http(s) URL like https://news.example.com")
        return value.rstrip("/") if isinstance(value, str) else value

    def number(self, kind: type, minimum: float) -> Callable[[yaml.Node], Any]:
        def convert(node: yaml.Node) -> Any:
            value = scalar(node) if isinstance(node, yaml.ScalarNode) else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                return self.fail(node, f"expected a number, got `{getattr(node, 'value', '…')}`")
            if kind is int and not isinstance(value, int):
                return self.fail(node, f"expected a whole number, got `{value}`")
            if value < minimum:
                return self.fail(node, f"must be at least {minimum:g}")
            return kind(value)

        return convert

    def boolean(self, node: yaml.Node) -> Any:
        value = scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            return self.fail(node, "expected true or false")
        return value

    def timezone(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is _INVALID:
            return value
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return self.fail(
                node, f"unknown timezone `{value}` (use an IANA name like Europe/Paris)"
            )

    def strings(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.fail(node, "expected a list")
        items = [self.string(n) for n in node.value]
        return tuple(i for i in items if i is not _INVALID)

    def string_map(self, node: yaml.Node) -> Any:
        out: dict[str, str] = {}
        for key, _, value_node in mapping_items(self.path, node, self.problems):
            value = self.string(value_node)
            if value is not _INVALID:
                out[key] = value
        return out

    def sender(self, node: yaml.Node) -> Any:
        values = self.fields(node, {"name": self.string, "address": self.address}, {"address"})
        if "address" not in values:
            return _INVALID
        return Sender(values.get("name", ""), values["address"])

    def web_url(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is not _INVALID and not re.match(r"^https?://[^/\s]+", value):
            return self.fail(node, f"`{value}` is not an http(s) URL like https://example.org/post")
        return value

    def web_urls(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            return self.fail(node, "expected a list of page URLs: `pages: [https://…, https://…]`")
        items = [self.web_url(n) for n in node.value]
        return tuple(i for i in items if i is not _INVALID)

    def header_value(self, node: yaml.Node, name: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            values = self.fields(node, {"env": self.env_name}, {"env"})
            return Header(name, env=values["env"]) if "env" in values else _INVALID
        value = self.string(node)
        if value is _INVALID:
            return value
        if "\n" in value or "\r" in value:
            return self.fail(node, f"header `{name}` holds a line break; write it on one line")
        if name.lower() in _SECRET_HEADERS:
            return self.fail(
                node,
                f"`{name}` is a secret: never write it in newsletter.yaml (it lives in git); "
                f"write `{{env: VARIABLE}}` and export VARIABLE where newsletter runs",
            )
        return Header(name, value=value)

    def env_name(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is not _INVALID and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            return self.fail(
                node, f"`{value}` is not an environment variable name like SITE_COOKIE"
            )
        return value

    def headers(self, node: yaml.Node) -> Any:
        out = []
        for key, key_node, value_node in mapping_items(self.path, node, self.problems):
            if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", key):
                self.fail(key_node, f"`{key}` is not an HTTP header name like X-Api-Key")
                continue
            header = self.header_value(value_node, key)
            if header is not _INVALID:
                out.append(header)
        return tuple(out)

    def cookie(self, node: yaml.Node) -> Any:
        return self.header_value(node, "Cookie")

    def proxy(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is not _INVALID and not re.match(r"^(?:https?|socks5h?)://[^/\s]+", value):
            return self.fail(node, f"`{value}` is not a proxy URL like http://proxy.example:3128")
        return value

    def source(self, node: yaml.Node) -> Any:
        spec = {
            "folder": self.string,
            "feed": self.string,
            "page": self.web_url,
            "pages": self.web_urls,
            "name": self.string,
            "timeout": self.number(float, 0.1),
            "full_text": self.boolean,
            "concurrency": self.number(int, 1),
            "user_agent": self.string,
            "headers": self.headers,
            "cookie": self.cookie,
            "proxy": self.proxy,
        }
        values = self.fields(node, spec, set())
        kinds = [k for k in ("folder", "feed", "page", "pages") if k in node_keys(node)]
        if len(kinds) != 1:
            return self.fail(
                node,
                "each source needs exactly one of `folder: PATH`, `feed: URL-OR-PATH`, "
                "`page: URL` or `pages: [URL, …]`",
            )
        kind = kinds[0]
        if kind not in values:
            return _INVALID
        if kind == "folder" and set(values) - {"folder", "name"}:
            extra = ", ".join(f"`{k}`" for k in sorted(set(values) - {"folder", "name"}))
            return self.fail(node, f"{extra} apply to feeds and pages, not to a folder")
        if kind in ("page", "pages") and "full_text" in values:
            return self.fail(node, "`full_text` applies to feeds; a page is always read whole")
        headers = values.get("headers", ())
        if "cookie" in values:
            headers = (*(h for h in headers if h.name.lower() != "cookie"), values["cookie"])
        common = {
            "name": values.get("name"),
            "timeout": values.get("timeout", 20.0),
            "full_text": values.get("full_text"),
            "concurrency": values.get("concurrency", 4),
            "user_agent": values.get("user_agent"),
            "headers": headers,
            "proxy": values.get("proxy"),
        }
        if kind == "pages":
            return tuple(SourceConfig("page", url, **common) for url in values["pages"])
        return (SourceConfig(kind, values[kind], **common),)

    def sources(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.fail(node, "expected a list of sources")
        items = [self.source(n) for n in node.value]
        return tuple(s for i in items if i is not _INVALID for s in i)

    def section(self, node: yaml.Node) -> Any:
        spec = {"key": self.string, "title": self.string, "keywords": self.strings}
        values = self.fields(node, spec, {"key"})
        if "key" not in values:
            return _INVALID
        return SectionRule(
            values["key"], values.get("title", values["key"].title()), values.get("keywords", ())
        )

    def sections(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.fail(node, "expected a list of sections")
        items = [self.section(n) for n in node.value]
        return tuple(i for i in items if i is not _INVALID)

    def digest(self, node: yaml.Node) -> Any:
        spec = {
            "max_items": self.number(int, 1),
            "max_per_section": self.number(int, 1),
            "summary_sentences": self.number(int, 1),
            "subject": self.string,
            "subjects": self.string_map,
            "images": self.boolean,
            "weekly_day": self.weekday,
            "weekly_subject": self.string,
        }
        return DigestSettings(**self.fields(node, spec, set()))

    def weekday(self, node: yaml.Node) -> Any:
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        value = self.string(node)
        if value is _INVALID:
            return value
        if str(value).lower() not in days:
            return self.fail(
                node, f"`{value}` is not a day of the week; write one of {', '.join(days)}"
            )
        return str(value).lower()

    def sending(self, node: yaml.Node) -> Any:
        spec = {
            "concurrency": self.number(int, 1),
            "rate": self.number(float, 0),
            "retries": self.number(int, 0),
            "timeout": self.number(float, 0.1),
            "backoff": self.number(float, 0),
            "smtputf8": self.boolean,
        }
        return SendingSettings(**self.fields(node, spec, set()))

    def smtp_url(self, node: yaml.Node) -> Any:
        """An SMTP URL of the form `send` takes, checked here so the error has its line."""
        from newsletter.delivery.smtp_url import parse_smtp_url
        from newsletter.errors import SmtpUrlError

        value = self.string(node)
        if value is _INVALID:
            return value
        try:
            parse_smtp_url(value)
        except SmtpUrlError as error:
            return self.fail(node, str(error))
        return value

    def smtp_urls(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.fail(node, "expected a list")
        items = [self.smtp_url(n) for n in node.value]
        return tuple(i for i in items if i is not _INVALID)

    def smtp(self, node: yaml.Node) -> Any:
        """`url: URL`, or `urls: [URL, …]` for several relays shared by the connections."""
        values = self.fields(node, {"url": self.smtp_url, "urls": self.smtp_urls}, set())
        if "url" in values and "urls" in values:
            return self.fail(node, "give either `url` or `urls` (a list of relays), not both")
        if "urls" in values and not values["urls"]:
            return self.fail(node, "`urls` lists no relay; give at least one smtp:// URL")
        return values.get("urls") or ((values["url"],) if "url" in values else ())

    def unsubscribe(self, node: yaml.Node) -> Any:
        spec = {"mailto": self.address, "secret_file": self.string}
        return UnsubscribeSettings(**self.fields(node, spec, set()))

    def signup(self, node: yaml.Node) -> Any:
        spec = {
            "expiry_days": self.number(float, 0.01),
            "per_address_per_day": self.number(int, 1),
            "per_client_per_hour": self.number(int, 1),
            "welcome": self.boolean,
        }
        return SignupSettings(**self.fields(node, spec, set()))

    def dkim(self, node: yaml.Node) -> Any:
        """One key, or a list of keys (say rsa-sha256 and ed25519-sha256 side by side)."""
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                return self.fail(node, "`dkim:` lists no key; give at least one, or remove it")
            keys = [self.dkim_key(n) for n in node.value]
            return tuple(k for k in keys if k is not _INVALID)
        key = self.dkim_key(node)
        return key if key is _INVALID else (key,)

    def dkim_key(self, node: yaml.Node) -> Any:
        spec = {
            "domain": self.string,
            "selector": self.string,
            "key_file": self.string,
            "algorithm": self.string,
        }
        values = self.fields(node, spec, {"domain", "selector", "key_file"})
        algorithm = values.get("algorithm", "rsa-sha256")
        if algorithm not in ("rsa-sha256", "ed25519-sha256"):
            return self.fail(node, "dkim algorithm must be rsa-sha256 or ed25519-sha256")
        if not {"domain", "selector", "key_file"} <= values.keys():
            return _INVALID
        return DkimSettings(**values)

    def bounces(self, node: yaml.Node) -> Any:
        spec = {
            "address": self.address,
            "verp": self.boolean,
            "soft_limit": self.number(int, 1),
            "soft_days": self.number(int, 1),
        }
        values = self.fields(node, spec, set())
        if "+" in values.get("address", "").partition("@")[0]:
            return self.fail(node, "bounces.address must have no `+`: VERP adds `+TOKEN` to it")
        return BounceSettings(**values)

    def list_id(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is not _INVALID and not _LIST_ID.match(value):
            return self.fail(
                node, f"`{value}` is not a list id like morning-sample.news.example.com (RFC 2919)"
            )
        return value

    def feedback_id(self, node: yaml.Node) -> Any:
        values = self.fields(node, {"sender_id": self.string}, {"sender_id"})
        sender_id = values.get("sender_id")
        if sender_id is None:
            return _INVALID
        if not _SENDER_ID.match(sender_id):
            return self.fail(
                node, f"sender_id `{sender_id}` must be 5 to 15 letters, digits, `-` or `_`"
            )
        return sender_id

    def colour(self, node: yaml.Node) -> Any:
        value = self.string(node)
        if value is _INVALID:
            return value
        short = re.fullmatch(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])", value)
        if short:
            value = "#" + "".join(c * 2 for c in short.groups())
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            return self.fail(node, f"`{value}` is not a colour like #0b5cad")
        value = value.lower()
        # Links and buttons: white on the accent, the accent on white; dark mode keeps both.
        ratio = contrast(value, "#ffffff")
        if ratio < 4.5:
            return self.fail(
                node,
                f"`{value}` reads at {ratio:.1f}:1 against white, under the 4.5:1 that "
                "links and button text need; pick a darker colour",
            )
        return value

    def logo(self, node: yaml.Node) -> Any:
        spec = {
            "url": self.url,
            "width": self.number(int, 1),
            "height": self.number(int, 1),
            "alt": self.string,
        }
        values = self.fields(node, spec, {"url", "width", "height", "alt"})
        if not {"url", "width", "height", "alt"} <= values.keys():
            return _INVALID
        if not values["url"].startswith("https://"):
            return self.fail(node, "the logo `url` must be an https:// address mail clients load")
        return Logo(**values)

    def brand(self, node: yaml.Node) -> Any:
        spec = {"color": self.colour, "logo": self.logo, "subscribe_url": self.url}
        return Brand(**self.fields(node, spec, set()))


_INVALID = object()


def node_keys(node: yaml.Node) -> set[str]:
    """The keys a mapping node spells, valid or not."""
    if not isinstance(node, yaml.MappingNode):
        return set()
    return {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


LIST_ID_FILE = ".newsletter/list-id"


def recorded_list_id(root: Path) -> str | None:
    """The list id the first send recorded, for a folder whose newsletter.yaml has none."""
    try:
        value = (root / LIST_ID_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return value if _LIST_ID.match(value) else None


def _syntax_hint(problems: list[Problem]) -> str:
    if any("indentation" in p.message for p in problems):
        return _SYNTAX_HINT
    return "Fix that line of newsletter.yaml; quote any value that holds `: ` or starts with `[`, `{`, `*` or `&`."


def load_config(path: Path) -> Config:
    """Read and validate newsletter.yaml; raises ConfigError listing every problem."""
    node, problems = compose_file(path)
    if node is None and not problems:
        empty = Problem(
            path, None, None, "the file is empty; it needs at least name, sender and site_url"
        )
        raise ConfigError([empty], "`newsletter init DIR` writes a working one to start from.")
    if node is None:
        raise ConfigError(problems, _syntax_hint(problems))
    reader = _Reader(path)
    reader.problems.extend(problems)
    spec: dict[str, Callable[[yaml.Node], Any]] = {
        "name": reader.string,
        "description": reader.string,
        "sender": reader.sender,
        "reply_to": reader.address,
        "site_url": reader.url,
        "timezone": reader.timezone,
        "language": reader.string,
        "postal_address": reader.string,
        "sources": reader.sources,
        "sections": reader.sections,
        "digest": reader.digest,
        "sending": reader.sending,
        "smtp": reader.smtp,
        "unsubscribe": reader.unsubscribe,
        "dkim": reader.dkim,
        "bounces": reader.bounces,
        "list_id": reader.list_id,
        "feedback_id": reader.feedback_id,
        "brand": reader.brand,
        "signup": reader.signup,
    }
    values = reader.fields(node, spec, {"name", "sender", "site_url"})
    if reader.problems:
        raise ConfigError(reader.problems, _HINT)
    values["smtp_urls"] = tuple(values.pop("smtp", ()))
    values["smtp_url"] = values["smtp_urls"][0] if values["smtp_urls"] else None
    if "dkim" in values:
        values["dkim_keys"] = values["dkim"]
        values["dkim"] = values["dkim"][0]
    values["fixed_list_id"] = values.pop("list_id", None) or recorded_list_id(path.parent)
    if "feedback_id" in values:
        values["sender_id"] = values.pop("feedback_id")
    if "sources" not in values:
        values["sources"] = (SourceConfig("folder", "articles"),)
    return Config(path=path, **values)
