"""DKIM: signatures that receivers verify, covering both unsubscribe headers against tampering."""

from __future__ import annotations

import base64
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dkim as dkimpy
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from newsletter.config import Config, DkimSettings, Sender
from newsletter.dkim import Signer, dns_record, generate_key, load_private_key, txt_value
from newsletter.errors import ConfigError

ALGORITHMS = ["rsa-sha256", "ed25519-sha256"]
TOKEN = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6"


def message(unsubscribe_post: str = "List-Unsubscribe=One-Click") -> bytes:
    """A small multipart newsletter message as the sender writes it: CRLF, both List-* headers."""
    lines = [
        "From: Daily <news@example.com>",
        "To: ann@example.org",
        "Subject: Daily #12: the news",
        "Date: Mon, 03 Jun 2024 07:00:00 +0000",
        "Message-ID: <12.ann@example.com>",
        "MIME-Version: 1.0",
        "List-Id: Daily <daily.example.com>",
        f"List-Unsubscribe: <https://news.example.com/unsubscribe/{TOKEN}>,",
        f" <mailto:leave@example.com?subject=unsubscribe-{TOKEN}>",
        f"List-Unsubscribe-Post: {unsubscribe_post}",
        "Auto-Submitted: auto-generated",
        'Content-Type: multipart/alternative; boundary="b1"',
        "",
        "--b1",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Hello Ann, today's news.",
        "--b1",
        'Content-Type: text/html; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "<p>Hello Ann, today's news.</p>",
        "--b1--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


@pytest.fixture(scope="module", params=ALGORITHMS)
def keypair(request: pytest.FixtureRequest) -> tuple[str, bytes, str]:
    algorithm: str = request.param
    if algorithm == "ed25519-sha256":
        pytest.importorskip("nacl", reason="dkimpy verifies ed25519 through PyNaCl (dev extra)")
    key, txt = generate_key(algorithm)
    return algorithm, key, txt


def dns(txt: str) -> Callable[..., bytes | None]:
    """A resolver answering the test key's TXT record for s1._domainkey.example.com only."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return txt.encode() if name == b"s1._domainkey.example.com." else None

    return lookup


def verify(raw: bytes, txt: str) -> bool:
    return bool(dkimpy.verify(raw, dnsfunc=dns(txt)))


def insert_header(raw: bytes, header: bytes, *, before: bytes) -> bytes:
    index = raw.index(before)
    return raw[:index] + header + b"\r\n" + raw[index:]


def test_signed_message_verifies(keypair: tuple[str, bytes, str]) -> None:
    """A signed message verifies with the published key; the body and headers are untouched,
    and h= covers both unsubscribe headers twice (over-signed)."""
    algorithm, key, txt = keypair
    raw = message()
    signed = Signer("example.com", "s1", key, algorithm).sign(raw)
    assert signed.endswith(raw)
    assert verify(signed, txt)
    header = signed[: -len(raw)].decode()
    assert all(len(line) <= 78 for line in header.split("\r\n"))
    names = re.search(r"h=([^;]*);", header.replace("\r\n", ""))
    assert names is not None
    signed_names = [n.strip() for n in names.group(1).split(":")]
    for name in ("from", "subject", "list-unsubscribe", "list-unsubscribe-post"):
        assert signed_names.count(name) == 2
    for name in ("to", "date", "message-id", "mime-version", "content-type", "list-id"):
        assert name in signed_names
    assert f"a={algorithm};" in header and "c=relaxed/relaxed;" in header


def test_tampered_unsubscribe_post_fails(keypair: tuple[str, bytes, str]) -> None:
    """Changing List-Unsubscribe-Post after signing breaks the signature (RFC 8058 §4)."""
    algorithm, key, txt = keypair
    signed = Signer("example.com", "s1", key, algorithm).sign(message())
    tampered = signed.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Two-Clicks")
    assert tampered != signed
    assert not verify(tampered, txt)


@pytest.mark.parametrize("before", [b"From:", b"Content-Type: multipart", b"\r\n\r\n"])
def test_second_unsubscribe_post_fails(keypair: tuple[str, bytes, str], before: bytes) -> None:
    """A second List-Unsubscribe-Post added above, among or below the signed headers
    breaks the signature: the header is over-signed."""
    algorithm, key, txt = keypair
    signed = Signer("example.com", "s1", key, algorithm).sign(message())
    extra = b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    if before == b"\r\n\r\n":
        tampered = signed.replace(before, b"\r\n" + extra + b"\r\n\r\n", 1)
    else:
        tampered = insert_header(signed, extra, before=before)
    assert tampered.count(extra) == 2
    assert not verify(tampered, txt)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (TOKEN.encode(), TOKEN[::-1].encode()),  # someone else's unsubscribe link
        (b"Subject: Daily #12", b"Subject: Daily #13"),
        (b"Hello Ann", b"Hello Bob"),
    ],
)
def test_other_tampering_fails(keypair: tuple[str, bytes, str], old: bytes, new: bytes) -> None:
    """Changing the unsubscribe link, the subject or the body breaks the signature."""
    algorithm, key, txt = keypair
    signed = Signer("example.com", "s1", key, algorithm).sign(message())
    assert not verify(signed.replace(old, new), txt)


def test_added_reply_to_fails(keypair: tuple[str, bytes, str]) -> None:
    """A header the message lacks but the signature names (Reply-To) cannot be added later."""
    algorithm, key, txt = keypair
    signed = Signer("example.com", "s1", key, algorithm).sign(message())
    assert not verify(insert_header(signed, b"Reply-To: evil@example.net", before=b"To:"), txt)


def test_relaxed_survives_refolding(keypair: tuple[str, bytes, str]) -> None:
    """Relaxed canonicalization: a relay that refolds a header or adds Received still verifies."""
    algorithm, key, txt = keypair
    signed = Signer("example.com", "s1", key, algorithm).sign(message())
    refolded = signed.replace(
        b"Subject: Daily #12: the news", b"Subject: Daily #12:\r\n\t the  news"
    )
    relayed = b"Received: from a by b; Mon, 03 Jun 2024 07:00:01 +0000\r\n" + refolded
    assert verify(relayed, txt)


def test_generated_keys_are_dkimpy_compatible(keypair: tuple[str, bytes, str]) -> None:
    """Key files in dkimpy's own formats: dkimpy signs with them, and the TXT value
    generate_key returns verifies those signatures."""
    algorithm, key, txt = keypair
    signature = dkimpy.sign(
        message(),
        b"s1",
        b"example.com",
        key,
        canonicalize=(b"relaxed", b"relaxed"),
        signature_algorithm=algorithm.encode(),
        include_headers=[b"from", b"subject"],
    )
    assert verify(signature + message(), txt)


def test_rsa_key_size_and_txt_record() -> None:
    """RSA keys are 2048-bit; the zone-file line splits the value into ≤255-character strings."""
    key, txt = generate_key("rsa-sha256")
    private = load_private_key(key, "rsa-sha256")
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert txt.startswith("v=DKIM1; k=rsa; p=") and txt_value(private.public_key()) == txt
    record = dns_record("s1", "example.com", txt)
    assert record.startswith('s1._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=')
    strings = re.findall(r'"([^"]*)"', record)
    assert len(strings) == 2 and all(len(s) <= 255 for s in strings)
    assert "".join(strings) == txt
    with pytest.raises(ValueError, match="2048"):
        generate_key("rsa-sha256", bits=1024)


def test_pkcs8_pem_keys_are_accepted() -> None:
    """A key made with `openssl genpkey` (PKCS#8 PEM) works as well as dkimpy's formats."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signed = Signer("example.com", "s1", pem, "rsa-sha256").sign(message())
    assert verify(signed, txt_value(key.public_key()))


def config_with(tmp_path: Path, key_file: str, algorithm: str = "rsa-sha256") -> Config:
    return Config(
        name="Daily",
        sender=Sender("Daily", "news@example.com"),
        site_url="https://news.example.com",
        path=tmp_path / "newsletter.yaml",
        dkim=DkimSettings("example.com", "s1", key_file, algorithm),
    )


def test_from_config(tmp_path: Path) -> None:
    """No `dkim:` means no signer; a configured key is read relative to the folder."""
    plain = Config(
        name="Daily",
        sender=Sender("Daily", "news@example.com"),
        site_url="https://news.example.com",
        path=tmp_path / "newsletter.yaml",
    )
    assert Signer.from_config(plain) is None
    key, txt = generate_key("rsa-sha256")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "s1.key").write_bytes(key)
    signer = Signer.from_config(config_with(tmp_path, "keys/s1.key", "rsa-sha256"))
    assert signer is not None
    assert verify(signer.sign(message()), txt)


@pytest.mark.parametrize(
    ("content", "algorithm", "error"),
    [
        (None, "rsa-sha256", "cannot read the DKIM private key"),
        (b"not a key at all", "rsa-sha256", "neither PEM nor a base64 ed25519 key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "rsa-sha256", "PEM"),
        ("ed25519", "rsa-sha256", "not an RSA key"),
        ("rsa", "ed25519-sha256", "not an ed25519 key"),
    ],
)
def test_unusable_key_is_a_config_error(
    tmp_path: Path, content: bytes | str | None, algorithm: str, error: str
) -> None:
    """A missing, garbled or mismatched key file is a ConfigError naming the file, at start-up
    rather than at the first message."""
    path = tmp_path / "dkim.key"
    if isinstance(content, str):
        content = generate_key(content)[0]
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ".*" + error):
        Signer.from_config(config_with(tmp_path, "dkim.key", algorithm))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    return subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_keygen_command(tmp_path: Path, algorithm: str) -> None:
    """`newsletter dkim keygen` writes a private key readable by its owner only and prints
    the TXT record whose key verifies what the signer makes with that file."""
    if algorithm == "ed25519-sha256":
        pytest.importorskip("nacl", reason="dkimpy verifies ed25519 through PyNaCl (dev extra)")
    out = tmp_path / "s1.key"
    result = run_cli(
        "dkim", "keygen", "--selector", "s1", "--domain", "example.com",
        "--algorithm", algorithm, "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    record = result.stdout.strip()
    assert record.startswith("s1._domainkey.example.com. IN TXT ")
    txt = "".join(re.findall(r'"([^"]*)"', record))
    assert verify(Signer("example.com", "s1", out.read_bytes(), algorithm).sign(message()), txt)
    assert "key_file" in result.stderr  # tells what to put in newsletter.yaml

    again = run_cli("dkim", "keygen", "--selector", "s1", "--domain", "example.com",
                    "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert again.returncode == 2 and "exists" in again.stderr
    assert base64.b64decode(txt.rpartition("p=")[2])
