"""`newsletter dkim keygen`: a DKIM key pair, and the DNS record to publish."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli
from newsletter.errors import ConfigError, InputError


@click.group()
def dkim() -> None:
    """DKIM keys for signing outgoing mail.

    \b
    Example:
        newsletter dkim keygen --selector news2024 --domain example.com
    """


@dkim.command()
@click.option("--selector", "-s", required=True, help="The DKIM selector, e.g. news2024.")
@click.option("--domain", "-d", required=True, help="The signing domain: the From address's.")
@click.option(
    "--algorithm",
    "-a",
    type=click.Choice(["rsa-sha256", "ed25519-sha256"]),
    default="rsa-sha256",
    show_default=True,
    help="rsa-sha256 is verified everywhere; ed25519-sha256 only by some receivers.",
)
@click.option(
    "--bits", type=click.IntRange(2048, 4096), default=2048, show_default=True, help="RSA size."
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the private key (default: .newsletter/dkim/SELECTOR.key in the folder).",
)
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@pass_cli
@handle_errors
def keygen(
    cli: CliContext,
    selector: str,
    domain: str,
    algorithm: str,
    bits: int,
    out: Path | None,
    force: bool,
) -> None:
    """Make a DKIM private key (mode 0600) and print the DNS TXT record to publish.

    The record goes to stdout; where to point newsletter.yaml goes to stderr.

    \b
    Example:
        newsletter dkim keygen -s news2024 -d example.com
        newsletter dkim keygen -s ed2024 -d example.com -a ed25519-sha256 -o ~/keys/ed.key
    """
    from newsletter.dkim import dns_record, generate_key

    if out is None:
        try:
            folder = cli.folder()
        except ConfigError as error:
            raise InputError("not in a newsletter folder: pass --out FILE") from error
        out = folder.state_dir / "dkim" / f"{selector}.key"
    if out.exists() and not force:
        raise InputError(
            f"{out} exists; pass --force to replace it (mail signed with the old key "
            "stops verifying once its DNS record is removed), or choose another --out."
        )
    key, txt = generate_key(algorithm, bits)
    _write_private(out, key)
    click.echo(dns_record(selector, domain, txt))
    cli.say(
        f"Wrote the private key to {out} (mode 0600; keep it out of git).\n"
        f"Publish the TXT record above at {selector}._domainkey.{domain}, "
        "then add to newsletter.yaml:\n"
        f"  dkim:\n    domain: {domain}\n    selector: {selector}\n"
        f"    key_file: {out}\n    algorithm: {algorithm}"
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by its owner only, replacing `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
