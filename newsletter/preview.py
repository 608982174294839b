"""Exactly what one subscriber would get, without sending or recording anything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from newsletter.errors import InputError
from newsletter.folder import Folder
from newsletter.issue import Issue, load_issue
from newsletter.message import Outgoing
from newsletter.model import Format, Subscriber
from newsletter.outline import digest_data
from newsletter.personal import Personalizer
from newsletter.render import Renderer

FORMATS = ("html", "text", "eml", "json")


@dataclass(frozen=True)
class Preview:
    """One subscriber's copy of the issue, in every format they could be sent."""

    issue: Issue
    subscriber: Subscriber
    personalizer: Personalizer
    sample: bool = False  # no subscriber to show: a made-up reader stands in

    @property
    def reads(self) -> str:
        """The format this subscriber is sent: `html` (with a text part) or `text` only."""
        return self.subscriber.format.value

    def notes(self) -> list[str]:
        """What the editor should know about this copy before sending it."""
        s = self.subscriber
        notes: list[str] = []
        if self.sample:
            notes.append(
                f"no active subscriber in subscribers.yaml: showing a sample reader, {s.email}"
            )
        elif not s.active:
            notes.append(f"{s.email} is {s.status.value}: `newsletter send` skips them")
        if s.topics:
            topics = ", ".join(sorted(s.topics))
            if not self.personalizer.has_content(s):
                notes.append(
                    f"{s.email} follows only {topics}: nothing in this issue matches, "
                    "so `newsletter send` skips them"
                )
            else:
                rendered, _ = self.personalizer.audience(s)
                titles = ", ".join(section.title for section in rendered.digest.sections)
                notes.append(f"{s.email} follows only {topics}: they get {titles}")
        if s.format is Format.TEXT:
            notes.append(f"{s.email} reads plain text (format: text): they get no HTML part")
        return notes

    def message(self, now: datetime | None = None) -> Outgoing:
        compose = self.personalizer.composer_for(self.subscriber)
        return compose(now or datetime.now(self.issue.config.timezone))

    def html(self) -> str:
        rendered, composer = self.personalizer.audience(self.subscriber)
        given = composer.values(self.subscriber, self.personalizer.links(self.subscriber))
        return rendered.html.fill(rendered.values(given)[1])

    def text(self) -> str:
        rendered, composer = self.personalizer.audience(self.subscriber)
        given = composer.values(self.subscriber, self.personalizer.links(self.subscriber))
        return rendered.text.fill(rendered.values(given)[0])

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


@dataclass(frozen=True)
class Previews:
    """The day's issue, read once, ready to show any subscriber's copy."""

    issue: Issue
    subscribers: tuple[Subscriber, ...]
    personalizer: Personalizer

    def of(self, address: str | None) -> Preview:
        """The copy of `address`, or of a representative subscriber when None."""
        subscriber = pick_subscriber(self.subscribers, address)
        return Preview(
            self.issue, subscriber, self.personalizer, subscriber not in self.subscribers
        )


def load_previews(folder: Folder, day: str | None, edition: str = "daily") -> Previews:
    """Read the config, the sources, the subscribers and the templates. Writes nothing."""
    from newsletter.subscribers import load as load_subscribers

    issue = load_issue(folder, day, edition=edition)
    subscribers = load_subscribers(folder.subscribers_path, smtputf8=issue.config.sending.smtputf8)
    renderer = Renderer(issue.config, folder.templates_dir)
    personalizer = Personalizer(issue.config, renderer, issue.digest, for_editor=True)
    return Previews(issue, subscribers, personalizer)


def make_preview(
    folder: Folder, day: str | None, address: str | None, edition: str = "daily"
) -> Preview:
    return load_previews(folder, day, edition).of(address)
