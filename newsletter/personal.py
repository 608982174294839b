"""Per-subscriber views of one issue: which sections they get, their links, their message.

The issue is rendered once per audience (a set of topics) and cached; each
subscriber then costs one substitution and one encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from newsletter.config import Config
from newsletter.errors import RecipientError
from newsletter.message import Composer, Links, Outgoing, with_header
from newsletter.model import Digest, Subscriber
from newsletter.render import HTML_CLIP_BYTES, RenderedIssue, Renderer

if TYPE_CHECKING:
    from newsletter.bounces.verp import Verp


class Personalizer:
    def __init__(
        self,
        config: Config,
        renderer: Renderer,
        digest: Digest,
        *,
        for_editor: bool = False,
        readonly: bool = False,
    ) -> None:
        from newsletter import unsubscribe

        self.config = config
        self.renderer = renderer
        self.digest = digest
        # Previews and dry runs change nothing, not even by creating the unsubscribe key.
        self.secret = unsubscribe.load_secret(config, create=not (readonly or for_editor))
        self.signer = None
        if config.dkim is not None:  # `cryptography` is imported only for signing
            from newsletter import dkim

            self.signer = dkim.Signer.from_config(config)
        self._unsubscribe = unsubscribe
        self._tokens = unsubscribe.Tokens(self.secret, config.list_id)
        self._verp = self._return_paths()
        # Source failures are shown to the editor in previews, never to readers.
        self.editor_notes = [str(f) for f in digest.failures] if for_editor else []
        self._audiences: dict[tuple[frozenset[str], str], tuple[RenderedIssue, Composer]] = {}
        self.warnings: list[str] = []

    def audience(self, subscriber: Subscriber) -> tuple[RenderedIssue, Composer]:
        topics = subscriber.topics & {s.key for s in self.digest.sections}
        language = language_of(subscriber, self.config)
        key = (topics, language)
        cached = self._audiences.get(key)
        if cached is None:
            digest = self.digest.for_topics(topics) if subscriber.topics else self.digest
            rendered = self.renderer.render(digest, self.editor_notes, language=language)
            size = rendered.html_bytes
            if size > HTML_CLIP_BYTES:
                self.warnings.append(
                    f"the HTML part is {size // 1000} KB: Gmail clips messages past about 102 KB "
                    "and hides the footer with the unsubscribe link; lower digest.max_items "
                    "or summary_sentences"
                )
            cached = (rendered, Composer(self.config, rendered))
            self._audiences[key] = cached
        return cached

    def check(self, subscribers: Iterable[Subscriber]) -> None:
        """Render the issue for every audience among `subscribers`, and the web version:
        a template error is raised here, before a send writes anything."""
        for subscriber in subscribers:
            self.audience(subscriber)
        self.web_version()

    def keep_secret(self) -> None:
        """For a real send, once every check passed: the unsubscribe key of the folder,
        created if there is none yet (the only write this class makes)."""
        self.secret = self._unsubscribe.load_secret(self.config)
        self._tokens = self._unsubscribe.Tokens(self.secret, self.config.list_id)
        self._verp = self._return_paths()

    def _return_paths(self) -> Verp | None:
        """The signed envelope senders (VERP) of this key, unless `bounces.verp` is off."""
        if not self.config.bounces.verp:
            return None
        from newsletter.bounces.verp import Verp

        return Verp(self.secret, self.config.list_id, self.config.bounce_address)

    def has_content(self, subscriber: Subscriber) -> bool:
        """False when the subscriber's topics match no section of this issue."""
        if not subscriber.topics:
            return bool(self.digest.items) or not self.digest.sections
        return any(s.key in subscriber.topics for s in self.digest.sections)

    def links(self, subscriber: Subscriber) -> Links:
        u, config = self._unsubscribe, self.config
        token = self._tokens(subscriber.email)
        verp = self._verp
        return Links(
            u.unsubscribe_url(config, token),
            u.preferences_url(config, token),
            u.mailto(config, token),
            verp.address(self.digest.date, subscriber.email) if verp is not None else None,
        )

    def composer_for(
        self, subscriber: Subscriber, *, signed: bool = True
    ) -> Callable[[datetime], Outgoing]:
        """The message of `subscriber` at a given time; DKIM-signed if configured, unless
        `signed` is False (then see `sign_later`)."""
        _, composer = self.audience(subscriber)
        links = self.links(subscriber)
        sign = self.signer.header if self.signer is not None and signed else None

        def compose(now: datetime) -> Outgoing:
            try:
                return composer.compose(subscriber, links, now, sign)
            except RecipientError:
                raise
            except Exception as error:
                # Whatever one subscriber's values do to their message, it fails alone:
                # the send goes on with the others and names this one in its report.
                raise RecipientError(
                    f"the message to {subscriber.email} cannot be made: "
                    f"{type(error).__name__}: {error}"
                ) from error

        return compose

    def sign_later(self, message: Outgoing) -> Callable[[], Outgoing]:
        """`message` DKIM-signed in two steps: the canonicalization and the hashing here,
        and the key operation by the function returned, which threads can run beside the
        sending loop (see `newsletter.delivery.ahead`). Without `dkim:`, `message` as is."""
        if self.signer is None:
            return lambda: message
        # A data_safe message has CRLF line ends only.
        header = self.signer.prepare(message.data, crlf_only=message.data_safe)
        return lambda: with_header(message, header())

    def web_version(self) -> str:
        """The issue as a public web page: every section, no greeting, no personal footer,
        a way to subscribe, and tags for sharing."""
        rendered = self.renderer.render(self.digest, web=True)
        return rendered.html.fill(rendered.values({})[1])


def language_of(subscriber: Subscriber, config: Config) -> str:
    """The reader's own `fields.language` when set, else the newsletter's `language:`."""
    own = subscriber.fields.get("language")
    return str(own).strip() if own and str(own).strip() else config.language
