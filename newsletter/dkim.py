"""DKIM: sign outgoing messages, and make key pairs with the DNS record to publish.

dkimpy parses the message and canonicalizes it (relaxed/relaxed); the private-key
operation is done by `cryptography` (OpenSSL), about ten times faster for RSA than
dkimpy's pure-Python arithmetic, and the key is parsed once per `Signer`.

    signer = Signer.from_config(config)   # None when newsletter.yaml has no `dkim:`
    raw = signer.sign(raw)                # the same bytes, DKIM-Signature prepended

The signature covers the headers RFC 8058 §4 and RFC 6376 §5.4 call for, and names
From, Subject and both List-Unsubscribe headers twice so that none can be added
after signing without breaking it.
"""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path

import dkim as dkimpy
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from dkim.canonicalization import CanonicalizationPolicy

from newsletter.config import Config
from newsletter.errors import ConfigError, Problem

__all__ = ["ALGORITHMS", "SIGNED_HEADERS", "Signer", "dns_record", "generate_key", "txt_value"]

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
    "subject",
    "list-unsubscribe",
    "list-unsubscribe-post",
)

_RELAXED = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
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
        self._key = load_private_key(key, algorithm)
        names = SIGNED_HEADERS + OVERSIGNED_HEADERS
        self._names = tuple(name.encode("ascii") for name in names)
        self._tags = (
            "v=1;",
            f"a={algorithm};",
            "c=relaxed/relaxed;",
            f"d={domain};",
            f"s={selector};",
        )
        # The space after each colon is a folding point (RFC 6376 §3.5 allows FWS there).
        self._h_tag = (f"h={names[0]}:", *(f"{n}:" for n in names[1:-1]), f"{names[-1]};")

    @classmethod
    def from_config(cls, config: Config) -> Signer | None:
        """The signer `newsletter.yaml` asks for, or None without a `dkim:` section.

        Raises ConfigError naming the key file when it is missing or unusable.
        """
        settings = config.dkim
        if settings is None:
            return None
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

        `message` is the exact bytes that will be sent, with CRLF line endings.
        """
        headers, body = dkimpy.rfc822_parse(message)
        body_hash = base64.b64encode(hashlib.sha256(_RELAXED.canonicalize_body(body)).digest())
        tags = [*self._tags, f"t={int(time.time())};", *self._h_tag, f"bh={body_hash.decode()};"]
        header = _fold("DKIM-Signature:", tags) + b"\r\n b="
        # h= names every header whether present or not, so that none can be added later;
        # select_headers takes repeated names bottom-up, so a second copy breaks it too.
        signed = dkimpy.select_headers(_RELAXED.canonicalize_headers(headers), self._names)
        # The signature header is hashed last, relaxed, with b= empty and no final CRLF.
        data = b"".join(name + b":" + text for name, text in signed)
        data += b"dkim-signature:" + b" ".join(header.partition(b":")[2].split())
        signature = base64.b64encode(self._sign(data))
        folded = b"\r\n ".join(signature[i : i + 72] for i in range(0, len(signature), 72))
        return header + folded + b"\r\n" + message

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        # RFC 8463 §3: Ed25519 signs the SHA-256 hash, not the data itself.
        return self._key.sign(hashlib.sha256(data).digest())


def _fold(name: str, words: list[str]) -> bytes:
    """`name` and `words` joined by spaces, folded into lines of at most 78 characters."""
    lines: list[str] = []
    line = name
    for word in words:
        if line and len(line) + 1 + len(word) > 76:
            lines.append(line)
            line = ""
        line = f"{line} {word}"
    lines.append(line)
    return "\r\n".join(lines).encode("ascii")


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
