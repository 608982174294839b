"""The CSV exports of other newsletter services, as data: one table per service.

`subscribers import` recognizes an export by its header (`recognize`: column names that
all appear in it, compared without case) and reads its columns through `columns`: for
each value of ours, the service's columns that may hold it, the first non-empty one
winning. A reader's standing comes from `status` (a column and what its words mean) and
from `status_if_filled` (a column whose mere presence in a row says it, as Mailchimp's
UNSUB_TIME and CLEAN_TIME do in its unsubscribed and cleaned exports). A word not in the
table is an error naming the row, never a guess: an import must not make anyone active
by mistake.

Our values: email, name, first_name and last_name (joined into name), topics, status,
joined and consent_at (a date or time, kept as the reader's consent record), and
fields.NAME for a custom field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from newsletter.model import Status

ACTIVE, UNSUBSCRIBED, BOUNCED = Status.ACTIVE, Status.UNSUBSCRIBED, Status.BOUNCED


@dataclass(frozen=True)
class Service:
    name: str
    recognize: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    status: Mapping[str, Mapping[str, Status]] = field(default_factory=dict)
    status_if_filled: Mapping[str, Status] = field(default_factory=dict)


_TRUE_ACTIVE = {"true": ACTIVE, "false": UNSUBSCRIBED, "yes": ACTIVE, "no": UNSUBSCRIBED}
_TRUE_UNSUBSCRIBED = {"false": ACTIVE, "true": UNSUBSCRIBED, "no": ACTIVE, "yes": UNSUBSCRIBED}

SERVICES: tuple[Service, ...] = (
    Service(
        "Mailchimp",
        recognize=("Email Address", "OPTIN_TIME"),
        columns={
            "email": ("Email Address",),
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "consent_at": ("CONFIRM_TIME", "OPTIN_TIME"),
            "joined": ("OPTIN_TIME", "CONFIRM_TIME"),
            "fields.tags": ("TAGS",),
        },
        status_if_filled={"CLEAN_TIME": BOUNCED, "UNSUB_TIME": UNSUBSCRIBED},
    ),
    Service(
        "Substack",
        recognize=("email", "active_subscription"),
        columns={
            "email": ("email",),
            "name": ("name",),
            "consent_at": ("created_at",),
            "joined": ("created_at",),
            "fields.plan": ("plan",),
        },
        status={"email_disabled": _TRUE_UNSUBSCRIBED},
    ),
    Service(
        "Buttondown",
        recognize=("email", "creation_date"),
        columns={
            "email": ("email",),
            "consent_at": ("creation_date",),
            "joined": ("creation_date",),
            "fields.notes": ("notes",),
            "fields.tags": ("tags",),
        },
        status={
            name: {
                "regular": ACTIVE,
                "premium": ACTIVE,
                "gifted": ACTIVE,
                "trialed": ACTIVE,
                "past_due": ACTIVE,
                "unsubscribed": UNSUBSCRIBED,
                "churned": UNSUBSCRIBED,
                "removed": UNSUBSCRIBED,
                "unactivated": UNSUBSCRIBED,  # never confirmed: no consent to carry over
                "blocked": UNSUBSCRIBED,
                "spammy": UNSUBSCRIBED,
                "undeliverable": BOUNCED,
                "bounced": BOUNCED,
                "complained": UNSUBSCRIBED,
            }
            for name in ("subscriber_type", "type")
        },
    ),
    Service(
        "listmonk",
        recognize=("email", "name", "status", "attributes"),
        columns={
            "email": ("email",),
            "name": ("name",),
            "consent_at": ("created_at",),
            "joined": ("created_at",),
        },
        status={
            "status": {"enabled": ACTIVE, "disabled": UNSUBSCRIBED, "blocklisted": UNSUBSCRIBED}
        },
    ),
    Service(
        "Ghost",
        recognize=("email", "subscribed_to_emails"),
        columns={
            "email": ("email",),
            "name": ("name",),
            "consent_at": ("created_at",),
            "joined": ("created_at",),
            "fields.labels": ("labels",),
            "fields.notes": ("note",),
        },
        status={"subscribed_to_emails": _TRUE_ACTIVE},
    ),
)

# Words read in a `status` column named by `--map status=COL`.
MAPPED_STATUS: Mapping[str, Status] = {
    "active": ACTIVE,
    "subscribed": ACTIVE,
    "enabled": ACTIVE,
    "confirmed": ACTIVE,
    "regular": ACTIVE,
    "unsubscribed": UNSUBSCRIBED,
    "disabled": UNSUBSCRIBED,
    "blocklisted": UNSUBSCRIBED,
    "blacklisted": UNSUBSCRIBED,
    "unconfirmed": UNSUBSCRIBED,
    "pending": UNSUBSCRIBED,
    "bounced": BOUNCED,
    "cleaned": BOUNCED,
}

MAP_KEYS = (
    "email",
    "name",
    "first_name",
    "last_name",
    "status",
    "topics",
    "format",
    "joined",
    "consent_at",
)


def recognize(header: list[str]) -> Service | None:
    """The service whose export has this header, if any."""
    present = {h.strip().lower() for h in header}
    for service in SERVICES:
        if all(name.lower() in present for name in service.recognize):
            return service
    return None
