"""subscribers.yaml: read it, check it, and edit it without disturbing what people wrote.

load(path)                 -> tuple[Subscriber, ...], or SubscriberFileError
validate(path)             -> list[Problem], every one of them
normalize_address(address) -> str, or AddressError
add / remove / set_status  -> locked, atomic, byte-preserving edits
"""

from newsletter.subscribers.addresses import normalize_address
from newsletter.subscribers.changes import add, remove, set_status
from newsletter.subscribers.errors import (
    AddressError,
    AlreadySubscribedError,
    InvalidSubscriberError,
    UnknownSubscriberError,
    UnsafeEditError,
)
from newsletter.subscribers.parse import load, validate
from newsletter.subscribers.store import default_lock_path

__all__ = [
    "AddressError",
    "AlreadySubscribedError",
    "InvalidSubscriberError",
    "UnknownSubscriberError",
    "UnsafeEditError",
    "add",
    "default_lock_path",
    "load",
    "normalize_address",
    "remove",
    "set_status",
    "validate",
]
