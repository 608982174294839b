"""Composing one message: µs per message for the sample issue, and how the time grows
with the length of a subscriber's value.

    python bench/compose.py                 # 3,000 messages; values of 0.25, 1 and 4 MB
    python bench/compose.py --messages 500 --sizes 100000,400000

"per message" composes the sample issue (text and HTML parts, the footer's `|wrap` run
per reader) for N subscribers, best of three. "growth" composes one message whose name
is SIZE characters (a program may give such a name; `subscribers.yaml` allows 200),
written in the To header and in the body of a text-only message, and prints the time and its ratio to the size before: about the size ratio when composing is
linear (a quadratic encoder gave its square: 8.9 s for 4 MB).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from newsletter.cli.init import create_folder
from newsletter.folder import locate
from newsletter.issue import load_issue
from newsletter.model import Format, Subscriber
from newsletter.personal import Personalizer
from newsletter.render import Renderer


def personalizer(text_template: str | None = None) -> Personalizer:
    os.environ.setdefault("NEWSLETTER_SECRET", "bench-secret-not-for-production")
    root = Path(tempfile.mkdtemp()) / "letter"
    create_folder(root)
    if text_template is not None:
        (root / "templates" / "email.txt.j2").write_text(text_template, encoding="utf-8")
    issue = load_issue(locate(root), None)
    renderer = Renderer(issue.config, root / "templates")
    return Personalizer(issue.config, renderer, issue.digest, for_editor=True)


def best(run: object, repeat: int = 3) -> float:
    assert callable(run)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--sizes", default="250000,1000000,4000000")
    options = parser.parse_args()
    p = personalizer()
    now = datetime.now(UTC)
    people = [Subscriber(f"r{i}@example.com", f"Reader {i}") for i in range(options.messages)]
    composers = [p.composer_for(s) for s in people]
    seconds = best(lambda: [c(now) for c in composers])
    print(f"per message: {seconds / len(composers) * 1e6:.1f} µs ({len(composers)} messages)")
    print("\n| name length | seconds | × the size before | size ratio |")
    print("|---:|---:|---:|---:|")
    before: tuple[int, float] | None = None
    named = personalizer("Dear {{ subscriber.name }},\n")
    for size in (int(s) for s in options.sizes.split(",")):
        name = "Lovelace " * (size // 9)
        compose = named.composer_for(Subscriber("ada@example.com", name, format=Format.TEXT))
        took = best(lambda c=compose: c(now))
        growth = f"{took / before[1]:.1f}" if before else "–"
        ratio = f"{size / before[0]:.1f}" if before else "–"
        print(f"| {size:,} | {took:.3f} | {growth} | {ratio} |")
        before = (size, took)


if __name__ == "__main__":
    main()
