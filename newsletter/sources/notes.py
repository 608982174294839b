"""What reading the sources has to tell the editor without skipping anything."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SourceNote"]


@dataclass(frozen=True)
class SourceNote:
    """A remark on a source that was read: which feed a page announced, a permanent
    redirect to update, a teaser kept because its page could not be fetched.

    `warning` marks what the editor should act on; the others are for information.
    Neither changes the exit status: only a source that gave nothing does.
    """

    origin: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"
