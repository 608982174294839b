"""What every benchmark needs: a newsletter folder with N subscribers, a Postfix
`smtp-sink` on loopback, and a child process measured for wall time and peak memory.

Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-not-for-production"

FIRST = (
    "Ada",
    "Grace",
    "Ken",
    "Margaret",
    "Linus",
    "Barbara",
    "Dennis",
    "Frances",
    "Alan",
    "Radia",
)
LAST = (
    "Lovelace",
    "Hopper",
    "Thompson",
    "Hamilton",
    "Liskov",
    "Ritchie",
    "Allen",
    "Turing",
    "Perlman",
)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a benchmarked child: this checkout first on the path, a fixed secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["NEWSLETTER_SECRET"] = SECRET
    env.update(extra)
    return env


@dataclass(frozen=True)
class Measured:
    """A finished child process: how long it ran and the most memory it held."""

    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the child


def measure(
    cmd: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Measured:
    """Run `cmd` and return its wall time and peak resident memory (ru_maxrss of that child alone)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, env=env or child_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    os.unlink(f"{out_path}.out")
    os.unlink(f"{out_path}.err")
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, usage.ru_maxrss / 1024, child.returncode, stdout, stderr, cpu)


def newsletter_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsletter", *args]


# The day of the sample issue in every benchmark folder: its articles are dated by their
# files' times, set to noon that day, so that a run going past midnight sends the same issue.
DAY = "2026-01-15"


def make_folder(parent: Path, name: str = "letter") -> Path:
    """A fresh newsletter folder made by `newsletter init` (the sample issue, unchanged,
    its articles dated DAY)."""
    target = parent / name
    done = subprocess.run(
        newsletter_cmd("init", str(target)), env=child_env(), capture_output=True, cwd=parent
    )
    if done.returncode != 0:
        raise RuntimeError(f"newsletter init failed: {done.stderr.decode()}")
    date_articles(target)
    return target


def date_articles(folder: Path) -> None:
    """Date every article of `folder` at noon on DAY (articles without a date of their
    own are dated by their file's time)."""
    noon = datetime.fromisoformat(f"{DAY}T12:00:00+00:00").timestamp()
    for article in (folder / "articles").iterdir():
        os.utime(article, (noon, noon))


def subscribers_yaml(count: int) -> str:
    """`count` varied subscribers: names, a tenth with topics, a twentieth text-only."""
    lines = ["# Generated for a benchmark.", "subscribers:"]
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        lines.append(f"  - email: {first.lower()}.{last.lower()}.{i}@example.com")
        lines.append(f"    name: {first} {last}")
        if i % 10 == 3:
            lines.append("    topics: [technology, energy]")
        if i % 20 == 7:
            lines.append("    format: text")
        lines.append("    joined: 2026-01-15")
    return "\n".join(lines) + "\n"


def write_subscribers(folder: Path, count: int) -> None:
    (folder / "subscribers.yaml").write_text(subscribers_yaml(count), encoding="utf-8")


def reset_state(folder: Path) -> None:
    """Forget earlier sends (the ledger) so the next send starts from nothing."""
    state = folder / ".newsletter"
    if state.exists():
        for path in state.glob("ledger*"):
            path.unlink()
        shutil.rmtree(state / "archive", ignore_errors=True)


def add_dkim(folder: Path, algorithm: str) -> None:
    """Generate a key with `newsletter.dkim.generate_key` and turn signing on in newsletter.yaml."""
    sys.path.insert(0, str(ROOT))
    from newsletter.dkim import generate_key

    private, _ = (
        generate_key(algorithm, 2048) if algorithm == "rsa-sha256" else generate_key(algorithm)
    )
    key_file = folder / ".newsletter" / f"dkim-{algorithm}.pem"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(private)
    config = folder / "newsletter.yaml"
    text = config.read_text(encoding="utf-8")
    head, _, _ = text.partition("\ndkim:\n")
    config.write_text(
        head.rstrip("\n")
        + f"\n\ndkim:\n  domain: news.example.com\n  selector: bench\n  key_file: {key_file}\n"
        + f"  algorithm: {algorithm}\n",
        encoding="utf-8",
    )


def remove_dkim(folder: Path) -> None:
    config = folder / "newsletter.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.partition("\ndkim:\n")[0].rstrip("\n") + "\n", encoding="utf-8")


def send_once(
    folder: Path, port: int, concurrency: int, env: dict[str, str] | None = None
) -> tuple[Measured, float, int]:
    """One `newsletter send --rate 0` of DAY's issue to every subscriber of `folder`, from
    a fresh ledger: the process measured, its sending phase and the deliveries recorded."""
    reset_state(folder)
    cmd = newsletter_cmd(
        "-q", "-C", str(folder), "send", "--date", DAY, "--rate", "0",
        "--concurrency", str(concurrency), "--smtp-url", f"smtp://127.0.0.1:{port}",
    )  # fmt: skip
    measured = measure(cmd, env=env)
    if measured.returncode != 0:
        raise RuntimeError(
            f"newsletter send failed ({measured.returncode}):\n{measured.stderr[-3000:]}"
        )
    sending, delivered = send_window(folder)
    return measured, sending, delivered


def send_window(folder: Path, ledger: str = "ledger.sqlite3") -> tuple[float, int]:
    """From the ledger: seconds between the run's start and end, and deliveries recorded."""
    db = sqlite3.connect(folder / ".newsletter" / ledger)
    try:
        started, ended = db.execute(
            "SELECT started_at, ended_at FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        (delivered,) = db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'"
        ).fetchone()
    finally:
        db.close()
    seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    return seconds, int(delivered)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_tools() -> tuple[str, str] | None:
    """Paths of Postfix's smtp-sink and smtp-source, or None when Postfix is not installed."""
    found = []
    for name in ("smtp-sink", "smtp-source"):
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if path is None:
            return None
        found.append(path)
    return found[0], found[1]


SINK_PID: dict[int, int] = {}  # port -> pid of the smtp-sink listening there


def sink_cpu(port: int) -> float:
    """CPU seconds the smtp-sink on `port` has used so far (0.0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{SINK_PID[port]}/stat").read_text().rsplit(")", 1)[1].split()
    except (KeyError, OSError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_sink(port: int | None = None) -> Iterator[int]:
    """Postfix's C SMTP server on 127.0.0.1 in its own process; yields the port."""
    tools = smtp_tools()
    if tools is None:
        raise RuntimeError("smtp-sink not found: apt-get install postfix")
    port = port or free_port()
    cmd = [tools[0]]
    if os.geteuid() == 0:
        cmd += ["-u", "nobody"]
    cmd += [f"127.0.0.1:{port}", "1000"]
    sink = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    SINK_PID[port] = sink.pid
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or sink.poll() is not None:
                    raise RuntimeError("smtp-sink did not start") from None
                time.sleep(0.02)
        yield port
    finally:
        SINK_PID.pop(port, None)
        sink.terminate()
        sink.wait(5)


def smtp_source(port: int, count: int, size: int, sessions: int) -> Measured:
    """Postfix's C client: `count` messages of `size` bytes over `sessions` reused connections."""
    tools = smtp_tools()
    assert tools is not None
    cmd = [tools[1], "-d", "-s", str(sessions), "-m", str(count), "-l", str(size)]
    cmd += ["-f", "digest@news.example.com", "-t", "reader@example.com", f"127.0.0.1:{port}"]
    return measure(cmd, env=dict(os.environ))
