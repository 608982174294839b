"""Did-you-mean: the one way a misspelt key or value is answered, in every file.

Pure.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean `x`?)` for the closest of `choices`, or "" when none is close.

    >>> did_you_mean("staus", ["status", "name"])
    ' (did you mean `status`?)'
    """
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
