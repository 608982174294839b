"""How a sender sorts SMTP answers, and how long it waits before trying again. Pure."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

# Temporary answers a sender retries (RFC 5321 §4.2.1); 421 also means: reconnect.
TRANSIENT_CODES = frozenset({421, 450, 451, 452, 454})
# Temporary answers that also mean "too fast": the whole pool slows down.
THROTTLE_CODES = frozenset({421, 450, 451, 452})


class Verdict(enum.Enum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"  # retry later, possibly on a fresh connection
    PERMANENT = "permanent"  # record as failed, never retry automatically
    FATAL = "fatal"  # the whole run is wrong: stop


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    code: int | None
    text: str
    reconnect: bool = False
    unreachable: bool = False  # no session could be opened: refused, unreachable, no greeting


def classify_code(code: int, text: str) -> Outcome:
    if 200 <= code < 300:
        return Outcome(Verdict.DELIVERED, code, text)
    if 400 <= code < 500:
        return Outcome(Verdict.TRANSIENT, code, text, reconnect=code == 421)
    return Outcome(Verdict.PERMANENT, code, text)


# Stages of opening a session: a refusal there is about the whole run, not a recipient.
SESSION_STAGES = frozenset({"connect", "EHLO", "HELO", "STARTTLS", "AUTH"})


def sort_refusal(stage: str, code: int, text: str) -> Outcome:
    """What a refusal means, given the command it answered (RFC 5321 §4.2.1).

    `stage` is "connect" (the greeting), "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL",
    "RCPT", "DATA" or "." (the end of the message data). A permanent refusal before RCPT
    is the same for every message (the session, the credentials, the sender), so it
    stops the run instead of failing every recipient; a temporary one while opening a
    session counts as the server being unreachable.
    """
    outcome = classify_code(code, text)
    if stage in SESSION_STAGES:
        if outcome.verdict is Verdict.TRANSIENT:
            return Outcome(Verdict.TRANSIENT, code, text, reconnect=True, unreachable=True)
        what = "authentication refused" if stage == "AUTH" else "the server refused the session"
        return Outcome(Verdict.FATAL, code, f"{what}: {stage} answered {code} {text}")
    if stage == "MAIL" and outcome.verdict is Verdict.PERMANENT:
        what = "authentication required" if code == 530 else "the sender was refused"
        return Outcome(Verdict.FATAL, code, f"{what}: MAIL FROM answered {code} {text}")
    return outcome


def backoff(
    attempt: int, base: float, cap: float = 60.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: a random wait in [base·2^(n-1)/2, base·2^(n-1)]."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return float(ceiling / 2 + (rng or random).random() * ceiling / 2)
