"""The list's identity: fixed once, so that renaming the newsletter breaks no link.

The List-Id, the unsubscribe tokens and the VERP tokens are all keyed by the list id.
It is `list_id:` in newsletter.yaml when given; otherwise the first real send records
the one made from `name` in .newsletter/list-id, and every later run reads it back
(`config.load_config`), whatever `name` has become since.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets

from newsletter.config import LIST_ID_FILE, Config, recorded_list_id


def fix_list_id(config: Config) -> Config:
    """`config` with its list id fixed: recorded now if it never was. Never replaces a
    recorded one (a concurrent first send's wins)."""
    if config.fixed_list_id is not None:
        return config
    path = config.root / LIST_ID_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        with temporary.open("x", encoding="utf-8") as file:
            file.write(config.list_id + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return dataclasses.replace(config, fixed_list_id=recorded_list_id(config.root))
