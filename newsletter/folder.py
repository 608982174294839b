"""Where a newsletter folder keeps its files; finds the folder from -C, --config, the
environment, or the current directory and its parents."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import ConfigError, Problem

CONFIG_NAME = "newsletter.yaml"


@dataclass(frozen=True)
class Folder:
    """The paths of one newsletter folder. Pure path arithmetic: nothing is created here."""

    root: Path
    config_path: Path

    @property
    def subscribers_path(self) -> Path:
        return self.root / "subscribers.yaml"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def articles_dir(self) -> Path:
        return self.root / "articles"

    @property
    def state_dir(self) -> Path:
        return self.root / ".newsletter"

    @property
    def ledger_path(self) -> Path:
        return self.state_dir / "ledger.sqlite3"

    @property
    def archive_dir(self) -> Path:
        return self.state_dir / "archive"

    @property
    def lock_path(self) -> Path:
        return self.state_dir / "send.lock"

    @property
    def subscribers_lock_path(self) -> Path:
        return self.root / ".subscribers.yaml.lock"


def locate(directory: Path | None = None, config: Path | None = None) -> Folder:
    """The folder named by --config, -C, NEWSLETTER_CONFIG, or else the nearest folder
    holding a newsletter.yaml from the current directory upward (as git finds `.git`)."""
    if config is None and directory is None and os.environ.get("NEWSLETTER_CONFIG"):
        config = Path(os.environ["NEWSLETTER_CONFIG"])
    if config is not None:
        config = config.expanduser().resolve()
        folder = Folder(config.parent, config)
    elif directory is not None:
        root = directory.expanduser().resolve()
        folder = Folder(root, root / CONFIG_NAME)
    else:
        root = find_root(Path.cwd().resolve())
        folder = Folder(root, root / CONFIG_NAME)
    if not folder.config_path.is_file():
        raise ConfigError(
            [Problem(folder.config_path, None, None, "no such file")],
            "Run the command inside a newsletter folder, pass -C DIR or --config FILE, "
            "or create one with `newsletter init DIR`.",
        )
    return folder


def find_root(start: Path) -> Path:
    """The nearest of `start` and its parents that holds newsletter.yaml; `start` if none does."""
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return start
