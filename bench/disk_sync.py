"""How the disk's sync time and the number of connections bound the send rate.

    python bench/disk_sync.py                          # 10,000 subscribers, about a minute
    python bench/disk_sync.py --subscribers 20000 --delays 0,2000,8000 --repeat 3

A connection sends a message's data only once the record of its previous message is
durable, so that a crash doubles at most one message per connection. Each record costs
an fsync (shared with the records of every other connection that waited for the same
commit), so on a disk whose fsync is slow, that wait bounds every connection's rate,
and more connections raise it again: at the price of more messages that a crash could
double (one per connection) and more sessions open on the relay.

A slow disk is simulated: `slow_sync.c`, built here with `cc`, is preloaded into
`newsletter send` and sleeps before every fsync and fdatasync. Every send goes to
Postfix's `smtp-sink` on 127.0.0.1; the rates are compared with the default four
connections on this machine's own disk, measured in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import common

HERE = Path(__file__).resolve().parent


def build_library(out: Path) -> Path | None:
    """slow_sync.c compiled into `out`, or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    library = out / "slow_sync.so"
    cmd = [compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(HERE / "slow_sync.c")]
    subprocess.run([*cmd, "-ldl"], check=True)
    return library


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--delays", default="0,2000", help="µs added to each fsync (0: the disk as it is)"
    )
    parser.add_argument("--connections", default="4,8,16,32", help="sending.concurrency values")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    args = parser.parse_args(argv)
    if common.smtp_tools() is None:
        print(
            "Error: smtp-sink not found; install Postfix (apt-get install postfix).",
            file=sys.stderr,
        )
        return 2
    delays = [int(d) for d in args.delays.split(",")]
    connections = [int(c) for c in args.connections.split(",")]
    n = args.subscribers
    parent = Path(tempfile.mkdtemp(prefix="newsletter-disk-"))
    try:
        library = build_library(parent) if any(delays) else None
        if any(delays) and library is None:
            print("Error: no C compiler (cc) to build slow_sync.c.", file=sys.stderr)
            return 2
        folder = common.make_folder(parent)
        common.write_subscribers(folder, n)
        rows: list[tuple[int, int, float]] = []
        with common.smtp_sink() as port:
            for delay in delays:
                env = common.child_env()
                if delay:
                    assert library is not None
                    env.update(LD_PRELOAD=str(library), SLOW_SYNC_US=str(delay))
                for c in connections:
                    print(f"fsync +{delay} µs, {c} connections", file=sys.stderr, flush=True)
                    runs = [common.send_once(folder, port, c, env) for _ in range(args.repeat)]
                    seconds = min(measured.seconds for measured, _, _ in runs)
                    rows.append((delay, c, n / seconds))
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    reference = next((rate for d, c, rate in rows if d == 0 and c == 4), rows[0][2])
    print(f"`newsletter send` to {n:,} subscribers, Postfix smtp-sink on 127.0.0.1.\n")
    print("| fsync | connections | msg/s | vs 4 connections, this disk |")
    print("|---|---:|---:|---:|")
    for delay, c, rate in rows:
        disk = "this disk" if delay == 0 else f"+{delay / 1000:g} ms"
        print(f"| {disk} | {c} | {rate:,.0f} | {rate / reference:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
