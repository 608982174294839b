"""The web side of a newsletter: one-click unsubscribe, preferences, the issue archive and feed.

`create_app(folder)` builds the Starlette app; `newsletter.web.server` runs it under uvicorn
with the limits and logging the `serve` command uses.
"""

from newsletter.web.app import create_app

__all__ = ["create_app"]
