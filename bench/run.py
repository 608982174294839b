"""Run every benchmark and print one Markdown table per question.

    python bench/run.py                 # sizes 1k, 10k, 100k; a few minutes
    python bench/run.py --quick         # a smoke run of a few seconds
    python bench/run.py --sizes 1000,10000 --dkim-sizes 10000 --repeat 3
    python bench/run.py --profile 10000 # also: where the time of one send goes

Every rate is compared with a reference measured in the same run (Postfix's C
client `smtp-source`, a naive smtplib sender, `python -c pass`), since absolute
numbers on a shared machine move by tens of percent from one minute to the next.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

from articles import write_articles

HERE = Path(__file__).resolve().parent


@dataclass
class SendRow:
    subscribers: int
    seconds: float  # the whole `newsletter send` command
    sending: float  # from the first message to the last (the ledger's run times)
    delivered: int
    max_rss_mb: float
    source_rate: float  # smtp-source, same count, size and connections
    naive_rate: float | None = None
    naive_count: int = 0
    load_seconds: float = 0.0  # reading subscribers.yaml alone, in a fresh process
    load_rss_mb: float = 0.0
    cpu_us: float = 0.0  # our CPU per message, the whole command
    sink_share: float = 0.0  # smtp-sink's CPU over our run's wall time
    source_sink_share: float = 0.0  # the same during smtp-source's run
    # Our rate over smtp-source's in each pair of runs made one after the other, sorted.
    pair_ratios: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Ours / smtp-source: the median of the pairs (best over best without pairs)."""
        if not self.pair_ratios:
            return self.rate / self.source_rate
        return statistics.median(self.pair_ratios)

    @property
    def rate(self) -> float:
        return self.subscribers / self.seconds

    @property
    def sending_rate(self) -> float:
        return self.delivered / self.sending if self.sending else 0.0


@dataclass
class DkimRow:
    algorithm: str
    subscribers: int
    seconds: float
    sending: float
    delivered: int
    max_rss_mb: float
    source_rate: float

    @property
    def rate(self) -> float:
        return self.subscribers / self.seconds


@dataclass
class Results:
    machine: str
    message_bytes: int = 0
    concurrency: int = 8
    sends: list[SendRow] = field(default_factory=list)
    dkim: list[DkimRow] = field(default_factory=list)
    plain_rate: dict[int, float] = field(default_factory=dict)
    build: dict[str, float] = field(default_factory=dict)
    startup: dict[str, float] = field(default_factory=dict)
    profile: list[str] = field(default_factory=list)
    clients: list[dict[str, float | str]] = field(default_factory=list)
    clients_source_rate: float = 0.0
    clients_count: int = 0
    one_send: float = 0.0  # `newsletter send` to one subscriber: the fixed start of a send
    python_start: float = 0.0  # `python -c pass`, measured beside it


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def best(repeat: int, run: Callable[[], common.Measured]) -> common.Measured:
    """The fastest of `repeat` runs: on a shared machine the slow ones measure the neighbours."""
    runs = [run() for _ in range(repeat)]
    return min(runs, key=lambda m: m.seconds)


def send_best(
    folder: Path, port: int, concurrency: int, repeat: int
) -> tuple[common.Measured, float, int]:
    runs = [common.send_once(folder, port, concurrency) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0].seconds)


def message_size(folder: Path, email: str) -> int:
    shown = common.measure(
        common.newsletter_cmd(
            "-C",
            str(folder),
            "preview",
            "--date",
            common.DAY,
            "--format",
            "eml",
            "--subscriber",
            email,
        )
    )
    return len(shown.stdout.encode())


def list_load(folder: Path) -> common.Measured:
    code = (
        "import sys, time; from pathlib import Path\n"
        "started = time.perf_counter()\n"
        "from newsletter.subscribers import load\n"
        "people = load(Path(sys.argv[1]))\n"
        "print(time.perf_counter() - started, len(people))\n"
    )
    return common.measure([sys.executable, "-c", code, str(folder / "subscribers.yaml")])


def naive(folder: Path, port: int, count: int) -> float:
    done = common.measure(
        [sys.executable, str(HERE / "naive.py"), str(folder), str(port), str(count)]
    )
    if done.returncode != 0:
        raise RuntimeError(f"naive baseline failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["sent"] / result["seconds"])


def bench_send(
    results: Results, folder: Path, sizes: list[int], naive_count: int, repeat: int
) -> None:
    first = common.subscribers_yaml(1).split("email: ")[1].split()[0]
    with common.smtp_sink() as port:
        # What every send costs whatever the list: Python, the imports, the issue built
        # and rendered, the ledger, one connection and one message.
        say("send: 1 subscriber (the fixed start)")
        common.write_subscribers(folder, 1)
        results.one_send = send_best(folder, port, results.concurrency, max(3, repeat))[0].seconds
        python = best(max(3, repeat), lambda: common.measure([sys.executable, "-c", "pass"]))
        results.python_start = python.seconds
        for n in sizes:
            common.write_subscribers(folder, n)
            if not results.message_bytes:
                results.message_bytes = message_size(folder, first)
            say(f"send: {n:,} subscribers")
            # Ours and smtp-source take turns, so that each pair sees the machine in the
            # same state; the ratio is the median of the pairs'.
            ours: list[tuple[common.Measured, float, int]] = []
            sources: list[common.Measured] = []
            sink_ours = sink_source = wall_ours = wall_source = 0.0
            for _ in range(repeat):
                sink_before, started = common.sink_cpu(port), time.perf_counter()
                ours.append(common.send_once(folder, port, results.concurrency))
                sink_ours += common.sink_cpu(port) - sink_before
                wall_ours += time.perf_counter() - started
                sink_before, started = common.sink_cpu(port), time.perf_counter()
                sources.append(
                    common.smtp_source(port, n, results.message_bytes, results.concurrency)
                )
                sink_source += common.sink_cpu(port) - sink_before
                wall_source += time.perf_counter() - started
            measured, sending, delivered = min(ours, key=lambda r: r[0].seconds)
            source = min(sources, key=lambda m: m.seconds)
            row = SendRow(
                n, measured.seconds, sending, delivered, measured.max_rss_mb, n / source.seconds
            )
            row.pair_ratios = sorted(
                s.seconds / o.seconds for (o, _, _), s in zip(ours, sources, strict=True)
            )
            row.cpu_us = 1e6 * measured.cpu_seconds / n
            row.sink_share = sink_ours / wall_ours
            row.source_sink_share = sink_source / wall_source
            if naive_count:
                row.naive_count = min(n, naive_count)
                row.naive_rate = max(naive(folder, port, row.naive_count) for _ in range(repeat))
            load = best(repeat, lambda: list_load(folder))
            row.load_seconds = float(load.stdout.split()[0])
            row.load_rss_mb = load.max_rss_mb
            results.sends.append(row)
            results.plain_rate[n] = row.rate


def bench_dkim(results: Results, folder: Path, sizes: list[int], repeat: int) -> None:
    with common.smtp_sink() as port:
        for n in sizes:
            if n not in results.plain_rate:
                say(f"send without DKIM: {n:,} subscribers (the reference for signing)")
                common.write_subscribers(folder, n)
                measured, _, _ = send_best(folder, port, results.concurrency, repeat)
                results.plain_rate[n] = n / measured.seconds
        for algorithm in ("rsa-sha256", "ed25519-sha256"):
            common.add_dkim(folder, algorithm)
            try:
                for n in sizes:
                    say(f"send with DKIM {algorithm}: {n:,} subscribers")
                    common.write_subscribers(folder, n)
                    measured, sending, delivered = send_best(
                        folder, port, results.concurrency, repeat
                    )
                    size = results.message_bytes + (500 if algorithm.startswith("rsa") else 250)
                    source = best(
                        repeat, partial(common.smtp_source, port, n, size, results.concurrency)
                    )
                    results.dkim.append(
                        DkimRow(
                            algorithm,
                            n,
                            measured.seconds,
                            sending,
                            delivered,
                            measured.max_rss_mb,
                            n / source.seconds,
                        )
                    )
            finally:
                common.remove_dkim(folder)


def bench_clients(results: Results, count: int, repeat: int) -> None:
    """aiosmtplib against our client, one prebuilt message, same connections, same sink."""
    say(f"SMTP clients alone: {count:,} messages each")
    size = results.message_bytes or 15_000
    with common.smtp_sink() as port:
        best_rows: dict[str, dict[str, float | str]] = {}
        for _ in range(repeat):
            cmd = [sys.executable, str(HERE / "clients.py"), str(port), str(count)]
            done = common.measure([*cmd, str(results.concurrency), str(size)])
            if done.returncode != 0:
                raise RuntimeError(f"clients benchmark failed:\n{done.stderr[-3000:]}")
            for line in done.stdout.splitlines():
                row = json.loads(line)
                old = best_rows.get(row["client"])
                if old is None or float(row["rate"]) > float(old["rate"]):
                    best_rows[row["client"]] = row
        source = best(repeat, partial(common.smtp_source, port, count, size, results.concurrency))
    results.clients = list(best_rows.values())
    results.clients_source_rate = count / source.seconds
    results.clients_count = count


def bench_build(results: Results, parent: Path, count: int, repeat: int) -> None:
    say(f"build: {count:,} articles")
    folder = common.make_folder(parent, "build")
    for path in (folder / "articles").iterdir():
        path.unlink()
    write_articles(folder / "articles", count)
    common.date_articles(folder)
    cmd = common.newsletter_cmd(
        "-C", str(folder), "build", "--date", common.DAY, "--format", "json"
    )
    measured = best(repeat, lambda: common.measure(cmd))
    if measured.returncode not in (0, 1):
        raise RuntimeError(f"newsletter build failed:\n{measured.stderr[-3000:]}")
    items = len(json.loads(measured.stdout).get("items", []))
    results.build = {
        "articles": count,
        "seconds": measured.seconds,
        "max_rss_mb": measured.max_rss_mb,
        "items": items,
    }


def bench_startup(results: Results, repeat: int) -> None:
    say("startup")
    python = best(repeat, lambda: common.measure([sys.executable, "-c", "pass"]))
    helped = best(repeat, lambda: common.measure(common.newsletter_cmd("--help")))
    send_help = best(repeat, lambda: common.measure(common.newsletter_cmd("send", "--help")))
    results.startup = {
        "python": python.seconds,
        "help": helped.seconds,
        "send_help": send_help.seconds,
    }


def bench_profile(results: Results, folder: Path, n: int, concurrency: int) -> None:
    say(f"profile: send to {n:,} under cProfile")
    common.write_subscribers(folder, n)
    common.reset_state(folder)
    out = folder.parent / "send.prof"
    with common.smtp_sink() as port:
        cmd = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(out),
            "-m",
            "newsletter",
            "-q",
            "-C",
            str(folder),
        ]
        cmd += [
            "send",
            "--date",
            common.DAY,
            "--rate",
            "0",
            "--concurrency",
            str(concurrency),
            "--smtp-url",
            f"smtp://127.0.0.1:{port}",
        ]
        common.measure(cmd)
    stats = pstats.Stats(str(out))
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:25]  # type: ignore[attr-defined]
    results.profile = [
        f"| {tt:.2f} | {100 * tt / total:.0f} % | {nc:,} | {_where(key)} |"
        for key, (_, nc, tt, _, _) in rows
    ]


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    short = (
        filename.split("site-packages/")[-1]
        .split("/lib/python3.11/")[-1]
        .replace(str(common.ROOT) + "/", "")
    )
    return f"{short}:{line}({name})"


def render(results: Results) -> str:
    out = [f"Machine: {results.machine}. Message: {results.message_bytes / 1000:.1f} kB, "
           f"{results.concurrency} connections, Postfix smtp-sink on 127.0.0.1."]  # fmt: skip
    if results.sends:
        out += [
            "",
            "### Send throughput (messages per second)",
            "",
            "| subscribers | newsletter send | sending phase | smtp-source | naive smtplib | ours / smtp-source | in each pair | ours / naive |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results.sends:
            naive_cell = f"{r.naive_rate:,.0f} (n={r.naive_count:,})" if r.naive_rate else "–"
            vs_naive = f"{r.rate / r.naive_rate:.1f}×" if r.naive_rate else "–"
            pairs = "–".join(f"{x:.2f}" for x in (r.pair_ratios[:1] + r.pair_ratios[-1:]))
            out.append(
                f"| {r.subscribers:,} | {r.rate:,.0f} | {r.sending_rate:,.0f} | {r.source_rate:,.0f} | "
                f"{naive_cell} | {r.ratio:.2f} | {pairs or '–'} | {vs_naive} |"
            )
        out += [
            "",
            "Rates: the best of the runs. Ours / smtp-source: the median, over pairs of runs",
            "made one after the other, of our rate over smtp-source's; in each pair: the lowest",
            "and highest of them.",
        ]
        out += [
            "",
            "Where the CPU goes (two cores in all): ours per message, and the share of one core",
            "smtp-sink used during each run.",
            "",
            "| subscribers | our CPU per message | smtp-sink busy during ours | during smtp-source |",
            "|---:|---:|---:|---:|",
        ]
        for r in results.sends:
            out.append(
                f"| {r.subscribers:,} | {r.cpu_us:,.0f} µs | {100 * r.sink_share:.0f} % | "
                f"{100 * r.source_sink_share:.0f} % |"
            )
        out += [
            "",
            "### Growth",
            "",
            "Per added subscriber: the wall time a size adds over the size before it (the",
            f"first over a send to one subscriber, {results.one_send:.2f} s), divided by the",
            "subscribers it adds. Per subscriber: the whole command divided by the list.",
            "",
            "| subscribers | wall | µs per added subscriber | µs per subscriber | peak RSS | reading the list alone | its peak RSS | RSS beyond the list |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r, added in zip(results.sends, _marginal(results), strict=True):
            out.append(
                f"| {r.subscribers:,} | {r.seconds:.2f} s | {added:,.0f} | "
                f"{1e6 * r.seconds / r.subscribers:,.0f} | "
                f"{r.max_rss_mb:.0f} MB | {r.load_seconds:.2f} s | {r.load_rss_mb:.0f} MB | "
                f"{r.max_rss_mb - r.load_rss_mb:+.0f} MB |"
            )
        out += _bound(results)
        bad = [r for r in results.sends if r.delivered != r.subscribers]
        for r in bad:
            out.append(f"\nWARNING: {r.subscribers:,} subscribers but {r.delivered:,} delivered.")
    if results.clients:
        out += [
            "",
            f"### The SMTP client alone ({results.clients_count:,} prebuilt messages, no ledger)",
            "",
            "| client | msg/s | CPU µs per message | vs smtp-source |",
            "|---|---:|---:|---:|",
        ]
        for c in results.clients:
            rate = float(c["rate"])
            out.append(
                f"| {c['client']} | {rate:,.0f} | {float(c['cpu_us']):,.0f} | "
                f"{rate / results.clients_source_rate:.2f} |"
            )
        out.append(f"| smtp-source (C) | {results.clients_source_rate:,.0f} | – | 1.00 |")
    if results.dkim:
        out += [
            "",
            "### With DKIM signing",
            "",
            "| algorithm | subscribers | newsletter send | sending phase | vs unsigned | smtp-source | ours / smtp-source | peak RSS |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for d in results.dkim:
            plain = results.plain_rate.get(d.subscribers)
            vs = f"{d.rate / plain:.2f}" if plain else "–"
            sending_rate = d.delivered / d.sending if d.sending else 0.0
            out.append(
                f"| {d.algorithm} | {d.subscribers:,} | {d.rate:,.0f} | {sending_rate:,.0f} | {vs} | "
                f"{d.source_rate:,.0f} | {d.rate / d.source_rate:.2f} | {d.max_rss_mb:.0f} MB |"
            )
    if results.build:
        b = results.build
        out += [
            "",
            "### Build",
            "",
            "| articles | `newsletter build` | per article | peak RSS | items in the issue |",
            "|---:|---:|---:|---:|---:|",
            f"| {b['articles']:,.0f} | {b['seconds']:.2f} s | {1000 * b['seconds'] / b['articles']:.2f} ms | "
            f"{b['max_rss_mb']:.0f} MB | {b['items']:.0f} |",
        ]
    if results.startup:
        s = results.startup
        out += [
            "",
            "### Startup",
            "",
            "| command | wall | vs `python -c pass` |",
            "|---|---:|---:|",
            f"| `python -c pass` | {1000 * s['python']:.0f} ms | 1.0× |",
            f"| `newsletter --help` | {1000 * s['help']:.0f} ms | {s['help'] / s['python']:.1f}× |",
            f"| `newsletter send --help` | {1000 * s['send_help']:.0f} ms | {s['send_help'] / s['python']:.1f}× |",
        ]
    if results.profile:
        out += [
            "",
            "### Profile of one send (cProfile, own time)",
            "",
            "| s | share | calls | function |",
            "|---:|---:|---:|---|",
        ]
        out += results.profile
    return "\n".join(out)


def _marginal(results: Results) -> list[float]:
    """µs each size adds per subscriber over the size before it (the first: over one)."""
    out, before, seconds = [], 1, results.one_send
    for r in results.sends:
        out.append(1e6 * (r.seconds - seconds) / max(1, r.subscribers - before))
        before, seconds = r.subscribers, r.seconds
    return out


def _bound(results: Results) -> list[str]:
    """Half of smtp-source's rate as a time budget for the whole command, against the
    fixed start measured in the same run: what is left for the messages themselves."""
    if not results.one_send:
        return []
    out = [
        "",
        "### What half of smtp-source's rate leaves for the messages",
        "",
        "Half of smtp-source's rate means the whole `newsletter send` within twice",
        f"smtp-source's time. A send to one subscriber takes {results.one_send:.2f} s "
        f"(`python -c pass`: {results.python_start:.2f} s);",
        "what is left of the budget after it is for the messages.",
        "",
        "| subscribers | budget | fixed start | left for the messages | µs per message allowed | ours per added subscriber |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r, added in zip(results.sends, _marginal(results), strict=True):
        budget = 2 * r.subscribers / r.source_rate
        left = budget - results.one_send
        allowed = f"{1e6 * left / (r.subscribers - 1):,.0f}" if left > 0 else "none"
        out.append(
            f"| {r.subscribers:,} | {budget:.2f} s | {results.one_send:.2f} s | {left:+.2f} s | "
            f"{allowed} | {added:,.0f} |"
        )
    return out


def sizes_of(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="subscriber counts for the send"
    )
    parser.add_argument(
        "--dkim-sizes", default="1000,10000", help="subscriber counts for the DKIM sends"
    )
    parser.add_argument(
        "--naive", type=int, default=1000, help="messages the naive baseline sends (at most)"
    )
    parser.add_argument("--articles", type=int, default=1000, help="articles for the build")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="SMTP connections (ours and smtp-source)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each measurement; the best one counts"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also profile a send to N subscribers"
    )
    parser.add_argument(
        "--only", default="send,clients,dkim,build,startup", help="which parts to run"
    )
    parser.add_argument(
        "--clients", type=int, default=20000, help="messages for the SMTP client comparison"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.dkim_sizes, args.naive, args.articles = "200", "100", 20, 30
        args.clients = 300
    only = set(args.only.split(","))
    if common.smtp_tools() is None and only & {"send", "dkim"}:
        print(
            "Error: smtp-sink and smtp-source not found; install Postfix (apt-get install postfix).",
            file=sys.stderr,
        )
        return 2
    cpus = os.cpu_count()
    results = Results(
        f"{cpus} CPUs, Python {platform.python_version()}, {platform.system()}",
        concurrency=args.concurrency,
    )
    parent = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    started = time.monotonic()
    try:
        folder = common.make_folder(parent)
        if "send" in only:
            bench_send(results, folder, sizes_of(args.sizes), args.naive, args.repeat)
        if "clients" in only:
            bench_clients(results, args.clients, args.repeat)
        if "dkim" in only:
            if not results.message_bytes:
                common.write_subscribers(folder, 1)
                results.message_bytes = message_size(
                    folder, common.subscribers_yaml(1).split("email: ")[1].split()[0]
                )
            bench_dkim(results, folder, sizes_of(args.dkim_sizes), args.repeat)
        if "build" in only:
            bench_build(results, parent, args.articles, args.repeat)
        if "startup" in only:
            bench_startup(results, 1 if args.quick else max(5, args.repeat))
        if args.profile:
            bench_profile(results, folder, args.profile, args.concurrency)
    finally:
        if args.keep:
            say(f"kept {parent}")
        else:
            shutil.rmtree(parent, ignore_errors=True)
    print(render(results))
    say(f"\n(benchmark took {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
