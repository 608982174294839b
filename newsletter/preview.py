"""Exactly what one subscriber would get, without sending or recording anything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.issue import Issue, load_issue
from newsletter.message import Outgoing
from newsletter.model import Subscriber
from newsletter.outline import digest_data
from newsletter.personal import Personalizer
from newsletter.render import Renderer, escape_values

FORMATS = ("html", "text", "eml", "json")


@dataclass(frozen=True)
class Preview:
    issue: Issue
    subscriber: Subscriber
    personalizer: Personalizer

    def message(self, now: datetime | None = None) -> Outgoing:
        compose = self.personalizer.composer_for(self.subscriber)
        return compose(now or datetime.now(self.issue.config.timezone))

    def html(self) -> str:
        rendered, composer = self.personalizer.audience(self.subscriber)
        values = composer.values(self.subscriber, self.personalizer.links(self.subscriber))
        return rendered.html.fill(escape_values(values | _blanks(rendered.html.keys, values)))

    def text(self) -> str:
        rendered, composer = self.personalizer.audience(self.subscriber)
        values = composer.values(self.subscriber, self.personalizer.links(self.subscriber))
        return rendered.text.fill(values | _blanks(rendered.text.keys, values))

    def json(self) -> str:
        rendered, _ = self.personalizer.audience(self.subscriber)
        data = digest_data(rendered.digest)
        data["subject"] = rendered.subject
        data["subscriber"] = {
            "email": self.subscriber.email,
            "name": self.subscriber.name,
            "topics": sorted(self.subscriber.topics),
            "format": self.subscriber.format.value,
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def render(self, fmt: str) -> bytes:
        if fmt == "eml":
            return self.message().data
        text = {"html": self.html, "text": self.text, "json": self.json}[fmt]()
        return text.encode("utf-8")


def _blanks(keys: frozenset[str], values: dict[str, str]) -> dict[str, str]:
    return {k: "" for k in keys - values.keys()}


def pick_subscriber(subscribers: tuple[Subscriber, ...], address: str | None) -> Subscriber:
    """The named subscriber, or a representative one: the first active, else a sample."""
    if address:
        for s in subscribers:
            if s.email.lower() == address.strip().lower():
                return s
        raise InputError(
            f"{address} is not in subscribers.yaml; `newsletter subscribers list` shows who is"
        )
    for s in subscribers:
        if s.active and not s.topics:
            return s
    for s in subscribers:
        if s.active:
            return s
    return Subscriber(email="reader@example.com", name="Sample Reader")


def make_preview(folder: Folder, day: str | None, address: str | None) -> Preview:
    from newsletter.subscribers import load as load_subscribers

    issue = load_issue(folder, day)
    subscribers = load_subscribers(folder.subscribers_path)
    subscriber = pick_subscriber(subscribers, address)
    renderer = Renderer(issue.config, folder.templates_dir)
    personalizer = Personalizer(issue.config, renderer, issue.digest, for_editor=True)
    return Preview(issue, subscriber, personalizer)
