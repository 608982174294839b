"""The one exception tree of the package; every error says what to do next.

NewsletterError                  base; `exit_code` picks the CLI's exit status
├── InputError (exit 2)          the user's files or flags are wrong; nothing was sent
│   ├── ConfigError              newsletter.yaml (file, line)
│   ├── SubscriberFileError      subscribers.yaml, carries every problem found
│   ├── TemplateError            a template failed to load or render (file, line)
│   ├── SmtpUrlError             a malformed --smtp-url / NEWSLETTER_SMTP_URL
│   ├── EmptyIssueError          no articles for the date and --allow-empty not given
│   └── LockedError              another run holds the folder's lock
└── DeliveryError (exit 1)       the run started but could not go on
    └── RunAbortedError          the relay refused the whole run (auth, TLS, every connection)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class NewsletterError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class InputError(NewsletterError):
    """Something the user gave us is wrong; nothing was sent and no file changed."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, with its place: ``path:line:col: message``."""

    path: Path
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class FileProblemError(InputError):
    """An input file has one or more problems; all of them are carried."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = list(problems)
        self.hint = hint
        text = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{text}\n{hint}".rstrip())


class ConfigError(FileProblemError):
    """newsletter.yaml is missing, malformed or holds a wrong value."""


class SubscriberFileError(FileProblemError):
    """subscribers.yaml has problems; `problems` lists every one of them."""


class TemplateError(InputError):
    """A template could not be loaded or rendered."""


class SmtpUrlError(InputError):
    """The SMTP URL is malformed."""


class EmptyIssueError(InputError):
    """No article for the date: nothing to send unless --allow-empty."""


class LockedError(InputError):
    """Another process holds this newsletter folder's lock."""


class DeliveryError(NewsletterError):
    """The run started but something failed while sending."""

    exit_code = 1


class RunAbortedError(DeliveryError):
    """The relay refused the whole run: stop instead of failing every recipient."""
