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
from newsletter.yamlnodes import compose_file, mapping_items, scalar, where


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass(frozen=True)
class SourceConfig:
    """One source: a folder of article files, or an RSS/Atom feed (a URL or a local file)."""

    kind: str  # "folder" | "feed"
    location: str  # a path relative to the folder, or a URL
    name: str | None = None
    timeout: float = 20.0


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
    dkim: DkimSettings | None = None
    signup: SignupSettings = field(default_factory=SignupSettings)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def list_id(self) -> str:
        """The RFC 2919 list label: stable for the life of the list."""
        label = re.sub(r"[^a-z0-9-]+", "-", self.name.lower()).strip("-") or "newsletter"
        return f"{label}.{self.sender.domain}"


_HINT = (
    "Fix the lines above in newsletter.yaml; the README's configuration reference lists every key."
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
                known = ", ".join(sorted(spec))
                self.problems.append(
                    where(self.path, key_node, f"unknown key `{key}` (known: {known})")
                )
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

    def source(self, node: yaml.Node) -> Any:
        spec = {
            "folder": self.string,
            "feed": self.string,
            "name": self.string,
            "timeout": self.number(float, 0.1),
        }
        values = self.fields(node, spec, set())
        kinds = [k for k in ("folder", "feed") if k in values]
        if len(kinds) != 1:
            return self.fail(
                node, "each source needs exactly one of `folder: PATH` or `feed: URL-OR-PATH`"
            )
        kind = kinds[0]
        return SourceConfig(kind, values[kind], values.get("name"), values.get("timeout", 20.0))

    def sources(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self.fail(node, "expected a list of sources")
        items = [self.source(n) for n in node.value]
        return tuple(i for i in items if i is not _INVALID)

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

    def smtp(self, node: yaml.Node) -> Any:
        """`url: URL`, or `urls: [URL, …]` for several relays shared by the connections."""
        values = self.fields(node, {"url": self.string, "urls": self.strings}, set())
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


_INVALID = object()


def load_config(path: Path) -> Config:
    """Read and validate newsletter.yaml; raises ConfigError listing every problem."""
    node, problems = compose_file(path)
    if node is None:
        raise ConfigError(problems, _HINT)
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
        "signup": reader.signup,
    }
    values = reader.fields(node, spec, {"name", "sender", "site_url"})
    if reader.problems:
        raise ConfigError(reader.problems, _HINT)
    values["smtp_urls"] = tuple(values.pop("smtp", ()))
    values["smtp_url"] = values["smtp_urls"][0] if values["smtp_urls"] else None
    if "sources" not in values:
        values["sources"] = (SourceConfig("folder", "articles"),)
    return Config(path=path, **values)
