"""How a sender sorts SMTP answers, and how long it waits before trying again. Pure."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

# Temporary answers a sender retries (RFC 5321 §4.2.1); 421 also means: reconnect.
TRANSIENT_CODES = frozenset({421, 450, 451, 452, 454})


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


def classify_code(code: int, text: str) -> Outcome:
    if 200 <= code < 300:
        return Outcome(Verdict.DELIVERED, code, text)
    if 400 <= code < 500:
        return Outcome(Verdict.TRANSIENT, code, text, reconnect=code == 421)
    return Outcome(Verdict.PERMANENT, code, text)


def backoff(
    attempt: int, base: float, cap: float = 60.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: a random wait in [base·2^(n-1)/2, base·2^(n-1)]."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return float(ceiling / 2 + (rng or random).random() * ceiling / 2)
