"""The list's identity: fixed once, so that renaming the newsletter breaks no link.

The List-Id, the unsubscribe tokens and the VERP tokens are all keyed by the list id.
It is `list_id:` in newsletter.yaml when given; otherwise the first real send records
the one made from `name` in .newsletter/list-id, and every later run reads it back
(`config.load_config`), whatever `name` has become since.
"""

from __future__ import annotations

import dataclasses

from newsletter.atomic import create_once
from newsletter.config import LIST_ID_FILE, Config, recorded_list_id


def fix_list_id(config: Config) -> Config:
    """`config` with its list id fixed: recorded now if it never was. Never replaces a
    recorded one (a concurrent first send's wins)."""
    if config.fixed_list_id is not None:
        return config
    create_once(config.root / LIST_ID_FILE, (config.list_id + "\n").encode("utf-8"))
    return dataclasses.replace(config, fixed_list_id=recorded_list_id(config.root))
