"""A real uvicorn server for the web tests, on a free loopback port, in a thread."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from newsletter.config import Config, load_config
from newsletter.folder import Folder
from newsletter.subscribers.journal import Journal
from newsletter.unsubscribe import make_token
from newsletter.web import create_app
from newsletter.web.server import bound_socket, make_server


@dataclass
class Site:
    """A running `newsletter serve` for one folder: its URL, folder and config."""

    url: str
    folder: Folder
    config: Config

    def token(self, email: str) -> str:
        secret = os.environ["NEWSLETTER_SECRET"].encode()
        return make_token(secret, self.config.list_id, email)

    def folded(self, timeout: float = 10.0) -> None:
        """Wait until every recorded change is in subscribers.yaml (the server folds them
        in batches, a moment after the answers)."""
        journal = Journal(self.folder.state_dir)
        try:
            deadline = time.monotonic() + timeout
            while journal.pending():
                assert time.monotonic() < deadline, "the changes were not folded into the file"
                time.sleep(0.05)
        finally:
            journal.close()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, follow_redirects=False)


@contextlib.contextmanager
def serving(folder: Folder) -> Iterator[Site]:
    """The real app of `folder` under uvicorn on 127.0.0.1:<free port> until the block ends."""
    server = make_server(create_app(folder), log=False)
    sock = bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.01)
        assert server.started, "uvicorn did not start"
        yield Site(f"http://127.0.0.1:{port}", folder, load_config(folder.config_path))
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
