"""Which files change what the issue looks like, and an async watcher that reports their changes.

Two watchers, so a folder that is also a git checkout with a virtualenv is never
watched whole: the folder itself without descending (newsletter.yaml,
subscribers.yaml, a templates/ or articles/ folder appearing), and recursively
only the templates and source folders. A change at the top restarts both, since
it may add a source or a templates folder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

from newsletter.folder import Folder

__all__ = ["Watched", "watch_folder", "watched"]

log = logging.getLogger(__name__)
_EDITOR_LITTER = (".swp", ".swx", ".swo", ".tmp", "~", ".part")


@dataclass(frozen=True)
class Watched:
    """`top`: names directly in the folder that matter (None: every one, the folder being a
    source itself); `trees`: folders watched recursively."""

    root: Path
    top: frozenset[str] | None
    trees: tuple[Path, ...]

    def relevant(self, path: Path) -> bool:
        """True for a file whose change can change the issue (editor litter excluded)."""
        name = path.name
        if name.startswith((".", "#")) or name.endswith(_EDITOR_LITTER) or name.isdigit():
            return False
        if path.parent == self.root:
            return self.top is None or name in self.top
        return any(path.is_relative_to(tree) for tree in self.trees)


def watched(folder: Folder) -> Watched:
    """The config, the subscriber file, the templates and every local source of `folder`."""
    from newsletter.config import load_config
    from newsletter.errors import NewsletterError

    root = folder.root
    places = [folder.templates_dir, folder.articles_dir]
    try:
        config = load_config(folder.config_path)
    except NewsletterError:
        config = None  # a broken config still gets watched, so fixing it reloads the page
    if config is not None:
        for source in config.sources:
            if source.kind == "feed" and "://" in source.location:
                continue
            place = (root / source.location).resolve()
            places.append(place if source.kind == "folder" else place.parent)
    top = {folder.config_path.name, folder.subscribers_path.name}
    if root in places:
        trees = [p for p in dict.fromkeys(places) if p != root and p.is_dir()]
        return Watched(root, None, tuple(trees))
    trees = []
    for place in places:
        if place.parent == root:
            top.add(place.name)  # its appearing or disappearing matters
        if place.is_dir() and place not in trees:
            trees.append(place)
    return Watched(root, frozenset(top), tuple(trees))


async def watch_folder(
    folder: Folder,
    on_change: Callable[[list[str]], None],
    stop: asyncio.Event,
    ready: asyncio.Event | None = None,
) -> None:
    """Call `on_change(paths)` after each burst of relevant changes, until `stop` is set.

    `ready` is set once the first watches are in place: an edit after it is seen.
    """
    while not stop.is_set():
        await _watch_round(watched(folder), on_change, stop, ready or asyncio.Event())


async def _watch_round(
    places: Watched,
    on_change: Callable[[list[str]], None],
    stop: asyncio.Event,
    ready: asyncio.Event,
) -> None:
    """Watch `places` until `stop` is set or a change at the top may have moved them."""
    halt = asyncio.Event()
    restart = asyncio.Event()

    def report(changes: set[tuple[Change, str]]) -> list[str]:
        paths = sorted({p for _, p in changes if places.relevant(Path(p))})
        if paths:
            on_change(paths)
        return paths

    async def top() -> None:
        async for changes in awatch(places.root, recursive=False, stop_event=halt, step=50):
            if report(changes):
                restart.set()

    async def trees() -> None:
        litter = DefaultFilter()
        async for changes in awatch(*places.trees, stop_event=halt, watch_filter=litter, step=50):
            report(changes)

    tasks = [asyncio.create_task(top(), name="the folder")]
    if places.trees:
        tasks.append(asyncio.create_task(trees(), name="templates and sources"))
    # One turn of the loop runs each watcher up to its first wait, by which time
    # awatch has registered its watches.
    await asyncio.sleep(0)
    ready.set()
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(restart.wait())]
    await asyncio.wait([*tasks, *waiters], return_when=asyncio.FIRST_COMPLETED)
    halt.set()
    for waiter in waiters:
        waiter.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for task, outcome in zip(tasks, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.warning("watching %s stopped: %s; watching again", task.get_name(), outcome)
            await asyncio.sleep(0.5)
