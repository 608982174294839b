"""Headless Chromium driven over the DevTools protocol on a pipe: photograph and measure HTML.

No websocket and no extra package: Chromium's `--remote-debugging-pipe` reads JSON
commands on file descriptor 3 and writes replies and events on 4, each ended by NUL.
The viewport is set exactly (headless windows are never narrower than 500 px, so
`--window-size=375,…` alone does not give a phone width), and the colour scheme is
emulated with `prefers-color-scheme`, as a phone in dark mode reports it.

    >>> png = screenshot(html, width=375, dark=True)  # doctest: +SKIP
    >>> with Browser() as browser:                     # doctest: +SKIP
    ...     page = browser.page(width=600)
    ...     page.load(html)
    ...     page.evaluate("document.title")
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from newsletter.errors import InputError, NewsletterError

__all__ = [
    "Browser",
    "BrowserError",
    "ChromiumNotFoundError",
    "Page",
    "find_chromium",
    "screenshot",
]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
# Taller pages are cut here: Chromium cannot capture an unbounded surface.
MAX_HEIGHT = 16_000


class ChromiumNotFoundError(InputError):
    """No Chromium executable on PATH (nor in NEWSLETTER_CHROMIUM)."""


class BrowserError(NewsletterError):
    """Chromium started but failed, crashed or did not answer in time."""


def find_chromium() -> str:
    """The browser to run: NEWSLETTER_CHROMIUM, else the first of CANDIDATES on PATH."""
    named = os.environ.get("NEWSLETTER_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            raise ChromiumNotFoundError(
                f"NEWSLETTER_CHROMIUM={named} is not an executable; "
                "point it at Chromium or unset it"
            )
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ChromiumNotFoundError(
        "chromium is not installed: apt-get install chromium "
        "(or set NEWSLETTER_CHROMIUM to a Chromium or Chrome executable)"
    )


class Browser:
    """One headless Chromium process; close it (or use `with`) to end it."""

    def __init__(self, executable: str | None = None, timeout: float = 30.0) -> None:
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self._profile = Path(tempfile.mkdtemp(prefix="newsletter-chromium-"))
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The shell maps the pipes to fds 3 and 4 without a preexec_fn, which is
        # unsafe in a threaded process such as the preview server.
        script = 'exec "$@" 3<&0 4>&1 </dev/null >/dev/null'
        try:
            self._process = subprocess.Popen(
                [
                    "sh",
                    "-c",
                    script,
                    "sh",
                    self.executable,
                    *FLAGS,
                    f"--user-data-dir={self._profile}",
                ],
                stdin=to_browser_r,
                stdout=from_browser_w,
                stderr=subprocess.DEVNULL,
            )
        except OSError as error:
            self._cleanup_fds()
            raise BrowserError(f"could not start {self.executable}: {error}") from None
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> Any:
        """Send one DevTools command and return its result; events met meanwhile are kept."""
        self._next_id += 1
        wanted = self._next_id
        message: dict[str, Any] = {"id": wanted, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except OSError as error:
            raise BrowserError(f"Chromium stopped listening ({error})") from None
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise BrowserError(
                        f"Chromium refused {method}: {reply['error'].get('message')}"
                    )
                result: Any = reply.get("result", {})
                return result
            self._events.append(reply)

    def wait_for(self, event: str, session: str | None = None) -> dict[str, Any]:
        """The next event named `event` (of `session`), kept or still to come."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, seen in enumerate(self._events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    del self._events[i]
                    params: dict[str, Any] = seen.get("params", {})
                    return params
            self._events.append(self._receive(deadline, event))

    def page(self, width: int = 600, height: int = 900, dark: bool = False) -> Page:
        """A new tab with an exact viewport of `width`×`height` CSS pixels."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, str(session), str(target))
        page.call("Page.enable")
        page.resize(width, height)
        page.call("Emulation.setScrollbarsHidden", {"hidden": True})
        page.set_scheme(dark)
        return page

    def close(self) -> None:
        if self._process.poll() is None:
            with contextlib.suppress(OSError):
                close = {"id": 0, "method": "Browser.close"}
                os.write(self._to_browser, json.dumps(close).encode() + b"\0")
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._cleanup_fds()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _cleanup_fds(self) -> None:
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(0.0, left))
            if not ready:
                raise BrowserError(
                    f"Chromium did not answer {waiting_for} within {self.timeout:g} s"
                )
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(
                    f"{self.executable} exited (status {self._process.poll()}) while waiting for "
                    f"{waiting_for}; run it by hand with --headless to see why"
                )
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message


class Page:
    """One tab of a `Browser`, attached as a DevTools session."""

    def __init__(self, browser: Browser, session: str, target: str) -> None:
        self.browser = browser
        self.session = session
        self.target = target
        self.width = 0
        self.height = 0

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.call(method, params, self.session)

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def set_scheme(self, dark: bool) -> None:
        scheme = "dark" if dark else "light"
        self.call(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def load(self, html: str) -> None:
        """Show `html` as a file:// page and wait until it has loaded."""
        path = self.browser._profile / f"page-{self.session[:12]}.html"
        path.write_text(html, encoding="utf-8")
        self.goto(path.as_uri())

    def goto(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (a promise is awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed in the page: {text}")
        return result["result"].get("value")

    def close(self) -> None:
        """Close this tab; the browser stays open."""
        self.browser.call("Target.closeTarget", {"targetId": self.target})

    def screenshot(self, height: int | None = None) -> bytes:
        """A PNG of the page's top `height` pixels (default: the whole page)."""
        full = int(self.evaluate("document.documentElement.scrollHeight"))
        shown = min(height or full, MAX_HEIGHT)
        clip = {"x": 0, "y": 0, "width": self.width, "height": shown, "scale": 1}
        data = self.call(
            "Page.captureScreenshot",
            {"format": "png", "clip": clip, "captureBeyondViewport": True},
        )["data"]
        return base64.b64decode(data)


def screenshot(
    html: str,
    width: int = 600,
    height: int | None = None,
    dark: bool = False,
    executable: str | None = None,
) -> bytes:
    """A PNG of `html` rendered `width` CSS pixels wide, light or dark, cut at `height`."""
    with Browser(executable) as browser:
        page = browser.page(width=width, height=min(height or 900, MAX_HEIGHT), dark=dark)
        page.load(html)
        return page.screenshot(height)
