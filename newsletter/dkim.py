"""DKIM: sign outgoing messages, and make key pairs with the DNS record to publish.

The message is split, canonicalized (relaxed/relaxed, RFC 6376 §3.4.2 and §3.4.4)
and hashed here, with bytes methods and regular expressions over the whole header
block and the whole body rather than line by line, and only the signed fields are
picked out of the headers; the private-key operation is done by `cryptography`
(OpenSSL) and the key is parsed once per `Signer`. dkimpy stays the reference: the
tests verify the signatures with it and compare the canonical forms with its own.

    signer = Signer.from_config(config)   # None when newsletter.yaml has no `dkim:`
    raw = signer.sign(raw)                # the same bytes, DKIM-Signature prepended

The signature covers the headers RFC 8058 §4 and RFC 6376 §5.4 call for, and names
From, Subject and both List-Unsubscribe headers twice so that none can be added
after signing without breaking it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from newsletter.config import Config, DkimSettings
from newsletter.errors import ConfigError, Problem
from newsletter.message import crlf_line_ends

__all__ = [
    "ALGORITHMS",
    "SIGNED_HEADERS",
    "Signer",
    "Signers",
    "dns_record",
    "generate_key",
    "relaxed_body",
    "select_headers",
    "split_message",
    "txt_value",
]

ALGORITHMS = ("rsa-sha256", "ed25519-sha256")

#: Signed once each: what a receiver must be able to trust. A header listed here but
#: absent from a message is signed as empty, which forbids adding it later.
SIGNED_HEADERS: tuple[str, ...] = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "feedback-id",
    "auto-submitted",
)
#: Signed a second time (over-signing, RFC 6376 §5.4.2): a second copy breaks the signature.
OVERSIGNED_HEADERS: tuple[str, ...] = (
    "from",
    "reply-to",
    "subject",
    "list-unsubscribe",
    "list-unsubscribe-post",
)

# Runs of spaces, once tabs are spaces. A pattern that starts with a literal lets the
# regular expression engine skip to each match; `[ \t]{2,}` would try every byte.
_SPACES = re.compile(rb"  +")
_DNS_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?")
# Stand-ins of the right length for the values of t= and bh=, which no domain,
# selector or header name can contain.
_STAMP = "#" * 10
_BODY_HASH = "%" * 44
_PKCS1 = padding.PKCS1v15()
_SHA256 = Prehashed(hashes.SHA256())
_MIN_RSA_BITS = 1024
_KEY_HINT = (
    "Check dkim.key_file in newsletter.yaml, or make a new key with "
    "`newsletter dkim keygen --selector S --domain D --out FILE`."
)

_PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


class Signer:
    """Signs messages for one domain and selector with one private key.

    >>> key, _ = generate_key("ed25519-sha256")
    >>> signer = Signer("example.com", "s1", key, "ed25519-sha256")
    >>> signer.sign(b"From: a@example.com\\r\\n\\r\\nHi\\r\\n").startswith(b"DKIM-Signature: v=1;")
    True
    """

    def __init__(
        self, domain: str, selector: str, key: bytes, algorithm: str = "rsa-sha256"
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported DKIM algorithm {algorithm!r} (use one of {ALGORITHMS})")
        self.domain = domain
        self.selector = selector
        self.algorithm = algorithm
        # d= and s= cannot be folded: DNS names keep their line under 998 characters.
        _check_names(domain, selector)
        self._key = load_private_key(key, algorithm)
        names = SIGNED_HEADERS + OVERSIGNED_HEADERS
        self._names = tuple(name.encode("ascii") for name in names)
        # The space after each colon is a folding point (RFC 6376 §3.5 allows FWS there).
        h_tag = (f"h={names[0]}:", *(f"{n}:" for n in names[1:-1]), f"{names[-1]};")
        tags = [
            "v=1;",
            f"a={algorithm};",
            "c=relaxed/relaxed;",
            f"d={domain};",
            f"s={selector};",
            f"t={_STAMP};",
            *h_tag,
            f"bh={_BODY_HASH};",
        ]
        # Only t= and bh= change from one message to the next, each keeping its length
        # (ten digits until 2286; 44 base64 characters), so the folded header and its
        # relaxed form are laid out once, around the two. (A longer t= would only make
        # its line a character longer.)
        header = _fold("DKIM-Signature:", tags) + "\r\n b="
        relaxed = "dkim-signature:" + " ".join(header.partition(":")[2].split())
        self._header = _template(header)
        self._relaxed = _template(relaxed)

    @classmethod
    def from_config(cls, config: Config) -> Signer | Signers | None:
        """The signer `newsletter.yaml` asks for, or None without a `dkim:` section; with
        several keys, `Signers`, which puts one signature per key on each message.

        Raises ConfigError naming the key file when it is missing or unusable, and
        newsletter.yaml when dkim.domain or dkim.selector is no DNS name.
        """
        keys = config.dkim_keys or ((config.dkim,) if config.dkim else ())
        if not keys:
            return None
        signers = [cls.from_settings(config, settings) for settings in keys]
        return signers[0] if len(signers) == 1 else Signers(signers)

    @classmethod
    def from_settings(cls, config: Config, settings: DkimSettings) -> Signer:
        try:
            _check_names(settings.domain, settings.selector)
        except ValueError as error:
            raise ConfigError([Problem(config.path, None, None, str(error))]) from error
        path = (config.root / Path(settings.key_file).expanduser()).resolve()
        try:
            key = path.read_bytes()
        except OSError as error:
            raise _key_error(path, f"cannot read the DKIM private key: {error.strerror}") from error
        try:
            return cls(settings.domain, settings.selector, key, settings.algorithm)
        except ValueError as error:
            raise _key_error(path, str(error)) from error

    @property
    def public_key(self) -> rsa.RSAPublicKey | ed25519.Ed25519PublicKey:
        return self._key.public_key()

    def sign(self, message: bytes) -> bytes:
        """`message` with a DKIM-Signature header prepended; the rest is untouched.

        `message` is the exact bytes that will be sent, with CRLF line ends. What is
        signed is the message as it goes on the wire: a bare CR or LF is hashed as the
        CRLF the SMTP client turns it into, and a body without a final CRLF as ending
        with the one the client adds.
        """
        return self.header(message) + message

    def header(self, message: bytes) -> bytes:
        """The DKIM-Signature header `sign` puts before `message`, CRLF included."""
        return self.prepare(message)()

    def prepare(self, message: bytes, *, crlf_only: bool = False) -> Callable[[], bytes]:
        """All of `sign` but the key operation, which the returned function does: it
        returns the DKIM-Signature header of `message`, CRLF included. That function
        holds the GIL only for a few microseconds (`cryptography` lets go of it while it
        signs), so threads can run it beside the sending loop. `crlf_only`: `message` is
        known to have no bare CR or LF, which spares looking for them."""
        head, body = split_message(message if crlf_only else crlf_line_ends(message))
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        stamp = b"%d" % time.time()
        # h= names every header whether present or not, so that none can be added later;
        # repeated names take fields bottom-up, so a second copy breaks it too. The
        # signature header is hashed last, relaxed, with b= empty and no final CRLF
        # (RFC 6376 §3.7).
        data = select_headers(head, self._names) + _fill(self._relaxed, stamp, body_hash)
        return functools.partial(
            self._header_with, _fill(self._header, stamp, body_hash), hashlib.sha256(data).digest()
        )

    def _header_with(self, header: bytes, digest: bytes) -> bytes:
        signature = base64.b64encode(self._sign(digest))
        folded = b"\r\n ".join(signature[i : i + 72] for i in range(0, len(signature), 72))
        return header + folded + b"\r\n"

    def _sign(self, digest: bytes) -> bytes:
        """The signature over the SHA-256 `digest` of the canonicalized headers."""
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(digest, _PKCS1, _SHA256)
        # RFC 8463 §3: Ed25519 signs the SHA-256 hash, not the data itself.
        return self._key.sign(digest)


class Signers:
    """Several keys, one DKIM-Signature each (RFC 6376 §4.2): say an ed25519-sha256 one
    for receivers that check it and an rsa-sha256 one for those that do not yet. Each
    signs the message alone, so each verifies whatever the others are."""

    def __init__(self, signers: list[Signer]) -> None:
        self.signers = signers
        # Any RSA key makes signing costly enough to be worth threads (see send._jobs).
        rsa_first = sorted(signers, key=lambda s: not s.algorithm.startswith("rsa-"))
        self.algorithm = rsa_first[0].algorithm

    def sign(self, message: bytes) -> bytes:
        return self.header(message) + message

    def header(self, message: bytes) -> bytes:
        return self.prepare(message)()

    def prepare(self, message: bytes, *, crlf_only: bool = False) -> Callable[[], bytes]:
        parts = [s.prepare(message, crlf_only=crlf_only) for s in self.signers]
        return lambda: b"".join(part() for part in parts)


def split_message(message: bytes) -> tuple[bytes, bytes]:
    """The header block (every field ending in CRLF) and the body after the empty line.

    Without an empty line the whole message is headers and the body is empty.

    >>> split_message(b"From: a\\r\\nTo: b\\r\\n\\r\\nHi\\r\\n")
    (b'From: a\\r\\nTo: b\\r\\n', b'Hi\\r\\n')
    """
    if message.startswith(b"\r\n"):
        return b"", message[2:]
    end = message.find(b"\r\n\r\n")
    if end < 0:
        return message, b""
    return message[: end + 2], message[end + 4 :]


def select_headers(head: bytes, names: tuple[bytes, ...]) -> bytes:
    """The fields of the header block `head` that `names` (lower case) signs, in the
    order of `names`, each canonicalized "relaxed" (RFC 6376 §3.4.2) and ending in CRLF.

    Each name takes the bottom-most instance of its header not taken yet, and a name
    with no instance left adds nothing (RFC 6376 §5.4.2). `head` has CRLF line ends.

    >>> select_headers(b"Subject :  Daily\\r\\n\\t #12 \\r\\nTo: a\\r\\nTO: b\\r\\n", (b"to", b"subject", b"to", b"to"))
    b'to:b\\r\\nsubject:Daily #12\\r\\nto:a\\r\\n'
    """
    # Over the whole block at once, in C: unfold (a CRLF followed by WSP is a fold) and
    # make WSP runs one space. Then every line is one field, with at most one space on
    # either side of the colon and at the end left to strip.
    block = head.replace(b"\r\n ", b" ")
    if b"\t" in block:
        block = block.replace(b"\r\n\t", b"\t").replace(b"\t", b" ")
    if b"  " in block:
        block = _SPACES.sub(b" ", block)
    found: dict[bytes, list[bytes]] = {}
    wanted = set(names)
    for line in block.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        key = name.rstrip(b" ").lower()
        if colon and key in wanted:
            if key in found:
                found[key].append(value)
            else:
                found[key] = [value]
    signed = []
    for key in names:
        values = found.get(key)
        if values:
            signed.append(key + b":" + values.pop().strip(b" ") + b"\r\n")
    return b"".join(signed)


def relaxed_body(body: bytes) -> bytes:
    """`body` canonicalized "relaxed" (RFC 6376 §3.4.4): WSP at line ends removed, other
    runs of WSP made one SP, empty lines at the end removed, and one final CRLF unless
    nothing is left (an empty body canonicalizes to nothing).

    A last line without CRLF is treated as the line the SMTP client sends, CRLF added.

    >>> relaxed_body(b"a \\t b \\r\\n  \\r\\n\\r\\n")
    b'a b\\r\\n'
    """
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    # Every step is skipped when it has nothing to change, as in most messages.
    if b"\t" in body:
        body = body.replace(b"\t", b" ")
    if b"  " in body:
        body = _SPACES.sub(b" ", body)
    # Runs are single spaces now, so a line ends in at most one.
    if b" \r\n" in body:
        body = body.replace(b" \r\n", b"\r\n")
    if not body.endswith(b"\r\n\r\n"):
        return body if body != b"\r\n" else b""
    end = len(body) - 2
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    return body[:end] + b"\r\n" if end else b""


def _check_names(domain: str, selector: str) -> None:
    for tag, value in (("domain", domain), ("selector", selector)):
        if not _DNS_NAME.fullmatch(value):
            raise ValueError(f"dkim.{tag} {value!r} is not a DNS name")


def _template(text: str) -> tuple[bytes, bytes, bytes]:
    """`text` split around the t= and bh= placeholders."""
    before, _, rest = text.partition(_STAMP)
    middle, _, after = rest.partition(_BODY_HASH)
    return before.encode("ascii"), middle.encode("ascii"), after.encode("ascii")


def _fill(template: tuple[bytes, bytes, bytes], stamp: bytes, body_hash: bytes) -> bytes:
    return template[0] + stamp + template[1] + body_hash + template[2]


def _fold(name: str, words: list[str]) -> str:
    """`name` and `words` joined by spaces, folded into lines of at most 78 characters."""
    lines: list[str] = []
    line = name
    for word in words:
        if line and len(line) + 1 + len(word) > 76:
            lines.append(line)
            line = ""
        line = f"{line} {word}"
    lines.append(line)
    return "\r\n".join(lines)


def _key_error(path: Path, message: str) -> ConfigError:
    return ConfigError([Problem(path, None, None, message)], _KEY_HINT)


def load_private_key(data: bytes, algorithm: str) -> _PrivateKey:
    """Parse a DKIM private key as dkimpy writes it, or as OpenSSL does.

    rsa-sha256: PEM (PKCS#1 or PKCS#8). ed25519-sha256: the base64 32-byte seed
    (dkimpy's `dknewkey` format) or a PKCS#8 PEM. Raises ValueError saying what is wrong.
    """
    text = data.strip()
    key: object
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except TypeError as error:
            raise ValueError("the DKIM key is encrypted; store it without a passphrase") from error
        except (ValueError, UnsupportedAlgorithm) as error:
            raise ValueError(f"the DKIM key is not a readable PEM private key ({error})") from error
    else:
        try:
            seed = base64.b64decode(text, validate=True)
        except ValueError as error:
            raise ValueError("the DKIM key is neither PEM nor a base64 ed25519 key") from error
        if len(seed) != 32:
            raise ValueError("the DKIM key is neither PEM nor a base64 ed25519 key (32 bytes)")
        key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    if algorithm == "rsa-sha256":
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("dkim.algorithm is rsa-sha256 but the key is not an RSA key")
        if key.key_size < _MIN_RSA_BITS:
            raise ValueError(f"the RSA key has {key.key_size} bits; receivers need at least 1024")
        return key
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("dkim.algorithm is ed25519-sha256 but the key is not an ed25519 key")
    return key


def txt_value(public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> str:
    """The TXT record value: `v=DKIM1; k=rsa; p=…` (RFC 6376 §3.6.1, RFC 8463 §4)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        der = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode('ascii')}"
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode('ascii')}"


def generate_key(algorithm: str, bits: int = 2048) -> tuple[bytes, str]:
    """A new private key file's bytes and the TXT value to publish for it.

    rsa-sha256 keys are PKCS#1 PEM; ed25519-sha256 keys are the base64 seed,
    the formats dkimpy's own `dknewkey` writes.
    """
    if algorithm in ("rsa", "rsa-sha256"):
        if bits < 2048:
            raise ValueError("use at least 2048 bits for an RSA DKIM key (RFC 8301)")
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pem = rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return pem, txt_value(rsa_key.public_key())
    if algorithm in ("ed25519", "ed25519-sha256"):
        ed_key = ed25519.Ed25519PrivateKey.generate()
        seed = ed_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return base64.b64encode(seed) + b"\n", txt_value(ed_key.public_key())
    raise ValueError(f"unsupported DKIM algorithm {algorithm!r} (use one of {ALGORITHMS})")


def dns_record(selector: str, domain: str, value: str) -> str:
    """The zone-file line to publish, the value split into strings of at most 255 characters.

    >>> dns_record("s1", "example.com", "v=DKIM1; k=ed25519; p=abc")
    's1._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=abc"'
    """
    chunks = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
    return f"{selector}._domainkey.{domain.rstrip('.')}. IN TXT {chunks}"
