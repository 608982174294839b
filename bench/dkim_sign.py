"""DKIM signing alone: µs per signature of the sample issue (one subscriber's copy).

    python bench/dkim_sign.py                  # the message `newsletter preview --format eml` prints
    python bench/dkim_sign.py --count 300 --rounds 7

Three signers over the same message, relaxed/relaxed, the same signed header list:

- `dkim.sign`: dkimpy alone (its own parsing, canonicalization and key arithmetic);
- dkimpy parse: dkimpy's `rfc822_parse`, canonicalization and `select_headers`, the
  key operation by `cryptography` (how `newsletter.dkim` signed before);
- `Signer.sign`: `newsletter.dkim` as it is now;

and, as the floor, the private-key operation alone (`cryptography`, over a digest).

The signers take turns, `--count` signatures each per round, and the best round of
each counts, so that a busy machine slows them all alike; ratios are against
`dkim.sign` measured in the same run. Every signer's output is checked with
`dkim.verify` first.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import common

sys.path.insert(0, str(common.ROOT))

import dkim as dkimpy
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from dkim.canonicalization import CanonicalizationPolicy

from newsletter.dkim import (
    OVERSIGNED_HEADERS,
    SIGNED_HEADERS,
    Signer,
    _fold,  # the same folding served the old path
    generate_key,
    load_private_key,
)

DOMAIN, SELECTOR = "news.example.com", "bench"
NAMES = [n.encode() for n in SIGNED_HEADERS + OVERSIGNED_HEADERS]
RELAXED = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")


def sample_message() -> bytes:
    """One subscriber's copy of the sample issue of a folder made by `newsletter init`."""
    with tempfile.TemporaryDirectory() as parent:
        folder = common.make_folder(Path(parent))
        done = subprocess.run(
            common.newsletter_cmd(
                "-C", str(folder), "preview", "--date", common.DAY, "--format", "eml"
            ),
            env=common.child_env(),
            capture_output=True,
            check=True,
        )
    return done.stdout


def dkimpy_signer(key: bytes, algorithm: str) -> Callable[[bytes], bytes]:
    def sign(message: bytes) -> bytes:
        header: bytes = dkimpy.sign(
            message,
            SELECTOR.encode(),
            DOMAIN.encode(),
            key,
            canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=algorithm.encode(),
            include_headers=NAMES,
        )
        return header + message

    return sign


def dkimpy_parse_signer(key: bytes, algorithm: str) -> Callable[[bytes], bytes]:
    """`newsletter.dkim`'s earlier signer: dkimpy parses and canonicalizes every message."""
    private = load_private_key(key, algorithm)
    names = SIGNED_HEADERS + OVERSIGNED_HEADERS
    h_tag = (f"h={names[0]}:", *(f"{n}:" for n in names[1:-1]), f"{names[-1]};")
    fixed = ("v=1;", f"a={algorithm};", "c=relaxed/relaxed;", f"d={DOMAIN};", f"s={SELECTOR};")

    def sign(message: bytes) -> bytes:
        headers, body = dkimpy.rfc822_parse(message)
        body_hash = base64.b64encode(hashlib.sha256(RELAXED.canonicalize_body(body)).digest())
        tags = [*fixed, f"t={int(time.time())};", *h_tag, f"bh={body_hash.decode()};"]
        header = _fold("DKIM-Signature:", tags).encode("ascii") + b"\r\n b="
        signed = dkimpy.select_headers(RELAXED.canonicalize_headers(headers), NAMES)
        data = b"".join(name + b":" + text for name, text in signed)
        data += b"dkim-signature:" + b" ".join(header.partition(b":")[2].split())
        if isinstance(private, rsa.RSAPrivateKey):
            raw = private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raw = private.sign(hashlib.sha256(data).digest())
        signature = base64.b64encode(raw)
        folded = b"\r\n ".join(signature[i : i + 72] for i in range(0, len(signature), 72))
        return header + folded + b"\r\n" + message

    return sign


def key_operation(key: bytes, algorithm: str) -> Callable[[bytes], bytes]:
    """The private-key operation alone, over the SHA-256 digest of its argument."""
    private = load_private_key(key, algorithm)

    def sign(data: bytes) -> bytes:
        digest = hashlib.sha256(data[:1000]).digest()
        if isinstance(private, rsa.RSAPrivateKey):
            return private.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        return private.sign(digest)

    return sign


def per_signature(sign: Callable[[bytes], bytes], message: bytes, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        sign(message)
    return 1e6 * (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="signatures per signer per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best one counts")
    parser.add_argument("--message", type=Path, help="sign this .eml instead of the sample")
    args = parser.parse_args()
    message = args.message.read_bytes() if args.message else sample_message()
    print(f"Message: {len(message):,} bytes. Best of {args.rounds} rounds of {args.count}.\n")
    print("| algorithm | signer | µs per signature | vs dkim.sign |")
    print("|---|---|---:|---:|")
    for algorithm in ("ed25519-sha256", "rsa-sha256"):
        key, txt = generate_key(algorithm)

        def lookup(name: bytes, timeout: int = 5, txt: str = txt) -> bytes | None:
            return txt.encode() if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

        signers = {
            "`dkim.sign` (dkimpy)": dkimpy_signer(key, algorithm),
            "dkimpy parse + `cryptography` (before)": dkimpy_parse_signer(key, algorithm),
            "`Signer.sign` (now)": Signer(DOMAIN, SELECTOR, key, algorithm).sign,
        }
        for name, sign in signers.items():
            if not dkimpy.verify(sign(message), dnsfunc=lookup):
                raise SystemExit(f"{name} {algorithm}: dkimpy does not verify the signature")
        signers["key operation alone (`cryptography`)"] = key_operation(key, algorithm)
        best = dict.fromkeys(signers, float("inf"))
        for _ in range(args.rounds):
            for name, sign in signers.items():
                # dkimpy's pure-Python RSA takes milliseconds: fewer of those.
                count = max(10, args.count // 10) if "dkimpy)" in name else args.count
                best[name] = min(best[name], per_signature(sign, message, count))
        reference = best["`dkim.sign` (dkimpy)"]
        for name, us in best.items():
            print(f"| {algorithm} | {name} | {us:,.0f} | {us / reference:.2f} |")


if __name__ == "__main__":
    main()
