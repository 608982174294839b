"""SIGTERM from the first moment of a command: a message and a clean exit, never silence.

Python's default is to die without a word. Installed before the command line is even
imported, this handler says what was stopped; the send loop and the servers put their
own handlers in place once they run.

    >>> from newsletter import stopping
    >>> stopping.install()  # doctest: +SKIP
    >>> stopping.note = "nothing was sent"  # what the message adds, once that is known
"""

from __future__ import annotations

import os
import signal
from types import FrameType

#: What the message adds about the state things are left in (set by the command).
note = ""


def install() -> None:
    """Answer SIGTERM with `Stopped by SIGTERM` on stderr and exit status 143 (128 + 15)."""
    signal.signal(signal.SIGTERM, _stop)


def _stop(signum: int, frame: FrameType | None) -> None:
    # os._exit: threads fetching feeds would hold up a normal exit, and whatever was being
    # written is left as a kill would leave it, which every write here is made to survive.
    text = f"Stopped by SIGTERM{': ' + note if note else ''}.\n"
    try:
        os.write(2, text.encode())
    finally:
        os._exit(128 + signal.SIGTERM)
