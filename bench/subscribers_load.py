"""Reading subscribers.yaml: the full node walk against `load`, each in a fresh process.

    python bench/subscribers_load.py                        # 1k, 10k, 100k; best of 3
    python bench/subscribers_load.py --sizes 1000 --repeat 1

For each size, the list of `common.subscribers_yaml` is written to a temporary folder and
read by a new Python process, once with `newsletter.subscribers.parse.load_full` (every
YAML node built and checked: what `load` did before it had a quick reader, and what it
still does for a file out of the usual shape or with a problem) and once with `load`.
Prints, per size, the seconds of the call (best of --repeat), the process's peak resident
memory, and the ratios. "import only" is a process that imports the module and reads
nothing: the memory every reader starts from.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

READERS = ("load_full", "load")
CHILD = (
    "import sys, time; from pathlib import Path\n"
    "from newsletter.subscribers import parse\n"
    "if sys.argv[1] != 'none':\n"
    "    read = getattr(parse, sys.argv[1])\n"
    "    started, cpu = time.perf_counter(), time.process_time()\n"
    "    people = read(Path(sys.argv[2]))\n"
    "    print(time.perf_counter() - started, time.process_time() - cpu, len(people))\n"
)


@dataclass(frozen=True)
class Reading:
    seconds: float  # the call alone, wall time
    cpu_seconds: float  # the call alone
    max_rss_mb: float  # the whole process
    count: int


def read_once(reader: str, path: Path) -> Reading:
    done = common.measure([sys.executable, "-c", CHILD, reader, str(path)])
    if done.returncode != 0:
        raise RuntimeError(f"{reader} failed:\n{done.stderr[-3000:]}")
    if reader == "none":
        return Reading(0.0, 0.0, done.max_rss_mb, 0)
    seconds, cpu, count = done.stdout.split()
    return Reading(float(seconds), float(cpu), done.max_rss_mb, int(count))


def read_best(reader: str, path: Path, repeat: int) -> Reading:
    runs = [read_once(reader, path) for _ in range(repeat)]
    return Reading(
        min(r.seconds for r in runs),
        min(r.cpu_seconds for r in runs),
        min(r.max_rss_mb for r in runs),
        runs[0].count,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| subscribers | load_full s | load s | faster | load_full MB | load MB | smaller |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "subscribers.yaml"
        path.write_text("subscribers: []\n", encoding="utf-8")
        baseline = read_best("none", path, args.repeat)
        for size in sizes:
            path.write_text(common.subscribers_yaml(size), encoding="utf-8")
            full, quick = (read_best(reader, path, args.repeat) for reader in READERS)
            if not full.count == quick.count == size:
                raise RuntimeError(f"read {full.count} and {quick.count} of {size} subscribers")
            print(
                f"| {size:,} | {full.seconds:.3f} | {quick.seconds:.3f} "
                f"| {full.seconds / quick.seconds:.1f}× | {full.max_rss_mb:.0f} "
                f"| {quick.max_rss_mb:.0f} | {full.max_rss_mb / quick.max_rss_mb:.1f}× |",
                flush=True,
            )
    print(f"\nimport only: {baseline.max_rss_mb:.0f} MB. Seconds are the call alone, best of "
          f"{args.repeat}; MB the peak resident memory of the whole process.")  # fmt: skip


if __name__ == "__main__":
    main()
