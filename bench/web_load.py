"""One-click unsubscribes under load: the journal against a rewrite of the file per request.

    python bench/web_load.py                         # 1k, 10k, 100k; 1,000 POSTs, 50 clients
    python bench/web_load.py --sizes 1000 --posts 200 --clients 20

For each size, a folder made by `newsletter init` gets a list of that many readers
(`common.subscribers_yaml`) and is served by a real uvicorn in its own process; 50
concurrent httpx clients then send 1,000 RFC 8058 one-click POSTs, each for a different
reader (keep-alive connections, a minimal HTTP/1.1 client). "journal" is `newsletter serve` as shipped (one fsynced journal row per request,
folded into the file in batches); "rewrite" is the same server with each request
rewriting subscribers.yaml under the lock (`newsletter.subscribers.set_status`, what
the server did before), run with fewer POSTs (`--reference-posts`) and only up to
`--reference-max` readers, since each of its requests costs a full read and write.
Printed per run: errors (anything but 200), latency p50/p99/max, POSTs per second, the
seconds until every change was in subscribers.yaml, and whether each one is there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

SECRET = "bench-secret-0123456789abcdef"


def serve(mode: str, root: Path, port: int) -> None:
    """The child: the folder's web app under uvicorn, as `newsletter serve` runs it."""
    sys.path.insert(0, str(common.ROOT))
    from newsletter.folder import locate
    from newsletter.web import app as web_app
    from newsletter.web.server import make_server

    if mode == "rewrite":
        from starlette.concurrency import run_in_threadpool

        from newsletter.model import Status
        from newsletter.subscribers import set_status

        async def rewrite(site: web_app._Site, email: str, status: Status) -> None:
            await run_in_threadpool(
                set_status,
                site.folder.subscribers_path,
                email,
                status,
                lock_path=site.folder.subscribers_lock_path,
            )

        web_app._Site.set_status = rewrite  # type: ignore[method-assign,assignment]
    folder = locate(root)
    app = web_app.create_app(folder)
    server = make_server(app, "127.0.0.1", port, log=False)
    server.run()
    app.state.changes.fold_now()


@dataclass
class Run:
    size: int
    mode: str
    posts: int
    errors: int
    p50: float
    p99: float
    worst: float
    seconds: float
    in_file_after: float
    all_in_file: bool


def emails(size: int) -> list[str]:
    """The addresses of `common.subscribers_yaml(size)`, in order."""
    out = []
    for line in common.subscribers_yaml(size).splitlines():
        if line.startswith("  - email: "):
            out.append(line.removeprefix("  - email: "))
    return out


async def click(url: str, paths: list[str], clients: int) -> tuple[list[float], set[str]]:
    """Latency of each POST, and the paths not answered 200.

    The clients speak HTTP/1.1 over keep-alive connections with a few lines of asyncio,
    not httpx: on two shared cores an httpx client spends more CPU per request than the
    server does, and the table would measure the client."""
    host, port = url.removeprefix("http://").split(":")
    body = b"List-Unsubscribe=One-Click"
    latencies: list[float] = []
    failed: set[str] = set()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while not queue.empty():
                path = queue.get_nowait()
                request = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode() + body
                started = time.perf_counter()
                try:
                    writer.write(request)
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 120)
                    lines = head.decode("latin-1").split("\r\n")
                    status = lines[0].split()[1]
                    headers = {
                        k.lower(): v.strip()
                        for k, _, v in (x.partition(":") for x in lines[1:] if x)
                    }
                    await reader.readexactly(int(headers.get("content-length", "0")))
                    closing = headers.get("connection", "").lower() == "close"
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                    status, closing = type(error).__name__, True
                latencies.append(time.perf_counter() - started)
                if status != "200":
                    failed.add(path)
                    print(f"POST answered {status}", file=sys.stderr)
                if closing:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, failed


def run(size: int, mode: str, posts: int, clients: int) -> Run:
    sys.path.insert(0, str(common.ROOT))
    from newsletter.model import Status
    from newsletter.subscribers import load
    from newsletter.unsubscribe import make_token

    with tempfile.TemporaryDirectory() as tmp:
        root = common.make_folder(Path(tmp))
        common.write_subscribers(root, size)
        from newsletter.config import load_config

        list_id = load_config(root / "newsletter.yaml").list_id
        leaving = emails(size)[:posts]
        paths = [f"/unsubscribe/{make_token(SECRET.encode(), list_id, e)}" for e in leaving]
        port = common.free_port()
        env = {**os.environ, "NEWSLETTER_SECRET": SECRET}
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", mode, str(root), str(port)], env=env
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url, child)
            started = time.perf_counter()
            latencies, failed = asyncio.run(click(url, paths, clients))
            errors = len(failed)
            seconds = time.perf_counter() - started
            path = root / "subscribers.yaml"
            answered = {e for e, p in zip(leaving, paths, strict=True) if p not in failed}
            deadline = time.monotonic() + 300
            while True:
                gone = {s.email for s in load(path) if s.status is Status.UNSUBSCRIBED}
                if answered <= gone or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            in_file_after = time.perf_counter() - started
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(60)
        gone = {s.email for s in load(root / "subscribers.yaml") if s.status is Status.UNSUBSCRIBED}
    ordered = sorted(latencies)
    return Run(
        size,
        mode,
        posts,
        errors,
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        ordered[-1],
        seconds,
        in_file_after,
        set(leaving) <= gone,
    )


def _wait_up(url: str, child: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.1)


def table(runs: list[Run]) -> str:
    lines = [
        "| readers | server | POSTs | errors | p50 s | p99 s | max s | POSTs/s | all in file after s | every change in file |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.size:,} | {r.mode} | {r.posts:,} | {r.errors} | {r.p50:.3f} | {r.p99:.3f} | "
            f"{r.worst:.3f} | {r.posts / r.seconds:,.0f} | {r.in_file_after:.1f} | "
            f"{'yes' if r.all_in_file else 'NO'} |"
        )
    by = {(r.size, r.mode): r for r in runs}
    ratios = [
        f"{size:,} readers: p99 {by[size, 'rewrite'].p99 / by[size, 'journal'].p99:,.0f}× lower, "
        f"{(by[size, 'journal'].posts / by[size, 'journal'].seconds) / (by[size, 'rewrite'].posts / by[size, 'rewrite'].seconds):,.0f}× the POSTs per second"
        for size in sorted({r.size for r in runs})
        if (size, "rewrite") in by and (size, "journal") in by
    ]
    if ratios:
        lines += ["", "Journal against rewrite: " + "; ".join(ratios) + "."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--reference-posts", type=int, default=100)
    parser.add_argument("--reference-max", type=int, default=20000)
    parser.add_argument("--serve", nargs=3, metavar=("MODE", "FOLDER", "PORT"))
    args = parser.parse_args()
    if args.serve:
        mode, folder, port = args.serve
        serve(mode, Path(folder), int(port))
        return
    runs = []
    for size in [int(s) for s in args.sizes.split(",")]:
        runs.append(run(size, "journal", min(args.posts, size), args.clients))
        print(table(runs[-1:]).splitlines()[-1], file=sys.stderr)
        if size <= args.reference_max:
            posts = min(args.reference_posts, size)
            runs.append(run(size, "rewrite", posts, args.clients))
            print(table(runs[-1:]).splitlines()[-1], file=sys.stderr)
    print(table(runs))


if __name__ == "__main__":
    main()
