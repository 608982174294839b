"""The errors of the subscriber file, all under the package's one tree.

InputError (exit 2)
├── SubscriberFileError       the file itself has problems (newsletter.errors)
├── AddressError              an address email-validator refuses
├── InvalidSubscriberError    a name, topic or field the file format refuses
├── AlreadySubscribedError    `add` of an address the file already holds
└── UnknownSubscriberError    an address the file does not hold
NewsletterError (exit 1)
└── UnsafeEditError           an edit would have changed more than asked; nothing written
"""

from __future__ import annotations

from newsletter.errors import InputError, NewsletterError


class AddressError(InputError, ValueError):
    """An email address that email-validator refuses; the message says why."""


class InvalidSubscriberError(InputError, ValueError):
    """A subscriber value (name, topic, format, custom field) the file format refuses."""


class AlreadySubscribedError(InputError):
    """`add` of an address that is already in the file."""


class UnknownSubscriberError(InputError, LookupError):
    """The address is not in the subscriber file."""


class UnsafeEditError(NewsletterError):
    """A computed edit did not read back as intended, so the file was left untouched."""
