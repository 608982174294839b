"""STARTTLS and authentication are taken from the SMTP URL and used for real."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newsletter.sink import free_port
from tests.conftest import RecordingHandler, run_cli


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"editor"
        and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok, handled=False)


def start(certificate: tuple[Path, Path]) -> tuple[Controller, RecordingHandler, int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        server_kwargs={"authenticator": authenticator, "auth_required": True},
    )
    controller.start()
    return controller, handler, port


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[RecordingHandler, int]]:
    controller, handler, port = start(certificate)
    yield handler, port
    controller.stop()


def send_starttls(
    folder: Path, port: int, password: str, trusted: Path | None
) -> subprocess.CompletedProcess[bytes]:
    """`newsletter send` over smtp+starttls as `editor`, trusting the `trusted` certificate."""
    env = {"NEWSLETTER_SMTP_PASSWORD": password}
    if trusted is not None:
        env["SSL_CERT_FILE"] = str(trusted)
    url = f"smtp+starttls://editor@localhost:{port}"
    return run_cli("-C", str(folder), "send", "--smtp-url", url, env=env)


def test_starttls_with_login_delivers(
    folder: Path, certificate: tuple[Path, Path], starttls_server: tuple[RecordingHandler, int]
) -> None:
    """smtp+starttls://USER@HOST upgrades to TLS, logs in with NEWSLETTER_SMTP_PASSWORD, and delivers."""
    handler, port = starttls_server
    result = send_starttls(folder, port, "s3cret", certificate[0])
    assert result.returncode == 0, result.stderr.decode()
    assert len(handler.messages) == 4


def test_wrong_password_stops_the_run(
    folder: Path, certificate: tuple[Path, Path], starttls_server: tuple[RecordingHandler, int]
) -> None:
    """A refused login stops the whole run with one message; nobody is marked failed."""
    handler, port = starttls_server
    result = send_starttls(folder, port, "wrong", certificate[0])
    assert result.returncode == 1
    assert b"authentication" in result.stderr.lower()
    assert handler.messages == []
    status = run_cli("-C", str(folder), "status", "--json")
    assert b'"failed": 0' in status.stdout


def test_untrusted_certificate_stops_the_run(
    folder: Path, certificate: tuple[Path, Path], starttls_server: tuple[RecordingHandler, int]
) -> None:
    """A certificate the system does not trust is a TLS failure for the whole run, not per subscriber."""
    handler, port = starttls_server
    result = send_starttls(folder, port, "s3cret", None)
    assert result.returncode == 1
    assert b"TLS" in result.stderr
    assert handler.messages == []
