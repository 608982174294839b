"""Time `load` on a generated list: python tests/subscribers/bench_load.py [COUNT]

Not collected by pytest. Writes the file to a temporary folder and prints seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from newsletter.model import Status
from newsletter.subscribers import load, set_status, validate

DOMAINS = [f"mail{n}.example.com" for n in range(300)] + ["gmail.com", "example.org"] * 300


def address(n: int) -> str:
    """The address of the `n`th generated subscriber."""
    return f"Reader.{n}@{DOMAINS[n % len(DOMAINS)]}"


def make(count: int) -> str:
    lines = ["# generated\nsubscribers:\n"]
    for n in range(count):
        lines.append(
            f"  - email: {address(n)}\n"
            f"    name: Reader Number {n}\n"
            f"    topics: [tech, science]\n"
            f"    joined: 2024-01-{n % 28 + 1:02d}\n"
        )
        if n % 10 == 0:
            lines.append("    status: unsubscribed  # asked\n")
    return "".join(lines)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "subscribers.yaml"
        path.write_text(make(count), encoding="utf-8")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("load", lambda: load(path)),
            ("validate", lambda: validate(path)),
            (
                "set_status",
                lambda: set_status(path, address(count // 2).lower(), Status.BOUNCED),
            ),
        ]
        for name, run in steps:
            start = time.perf_counter()
            run()
            print(f"{name:>10} {count} subscribers: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
