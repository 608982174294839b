"""The one exception tree of the package; every error says what to do next.

NewsletterError                  base; `exit_code` picks the CLI's exit status
├── InputError (exit 2)          the user's files or flags are wrong; nothing was sent
│   ├── ConfigError              newsletter.yaml (file, line)
│   ├── SubscriberFileError      subscribers.yaml, carries every problem found
│   ├── TemplateError            a template failed to load or render (file, line)
│   ├── SmtpUrlError             a malformed --smtp-url / NEWSLETTER_SMTP_URL
│   ├── EmptyIssueError          no articles for the date and --allow-empty not given
│   ├── LockedError              another run holds the folder's lock
│   └── LedgerDamagedError       a ledger file that is not a readable SQLite database
├── DeliveryError (exit 1)       the run started but could not go on
│   ├── RunAbortedError          the relay refused the whole run (auth, TLS, every connection)
│   └── StateLostError           the lock or the ledger was removed while a send ran
├── FileWriteError (exit 1)      a file could not be written: full disk, read-only, no permission
└── RecipientError (exit 1)      one recipient's message cannot be made; the others go on
"""

from __future__ import annotations

import errno
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


class StateLostError(DeliveryError):
    """The lock or the ledger of a running send was removed or replaced under it."""


class LedgerDamagedError(InputError):
    """A ledger file exists but SQLite cannot read it (not a database, truncated)."""


class FileWriteError(NewsletterError):
    """A file could not be written (or created): the disk is full, the file system is
    read-only, or the file or its folder may not be changed."""

    exit_code = 1


_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is used up: free some space",
    errno.EROFS: "the file system is read-only: remount it read-write",
    errno.EPERM: "it may not be changed: check its attributes (`lsattr`, `chattr -i`) "
    "and those of its folder",
    errno.EACCES: "permission denied: check the permissions of the file and its folder",
}


def write_advice(error: BaseException, path: Path | str | None = None) -> str:
    """What to do about `error` (an OSError, or SQLite's words for the same faults) that
    happened writing `path`."""
    code = getattr(error, "errno", None)
    if code in _ADVICE:
        return _ADVICE[code]
    text = str(error).lower()
    if "disk is full" in text or "no space" in text:
        return _ADVICE[errno.ENOSPC]
    if "readonly" in text or "read-only" in text:
        return "it is read-only: check its attributes (`lsattr`), permissions and mount"
    free = _free_bytes(Path(path)) if path is not None else None
    if free is not None and free < 1 << 20:  # SQLite says "disk I/O error" for a full disk too
        return f"the disk holding it is nearly full ({free // 1024} KB free): free some space"
    return "check the disk, the file's permissions and its folder"


def _free_bytes(path: Path) -> int | None:
    import shutil

    for place in (path, *path.parents):
        try:
            return shutil.disk_usage(place).free
        except OSError:
            continue
    return None


def cannot_write(path: Path | str, error: BaseException, then: str = "") -> FileWriteError:
    """The error for `path` that could not be written because of `error`."""
    why = getattr(error, "strerror", None) or str(error)
    then = then or "Then run the command again."
    return FileWriteError(f"cannot write {path}: {why}; {write_advice(error, path)}. {then}")


class RecipientError(NewsletterError):
    """One recipient's message cannot be made (their address, name or values): that
    recipient fails, with this reason, and the send goes on with the others."""

    exit_code = 1
