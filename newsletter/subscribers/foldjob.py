"""`python -m newsletter.subscribers.foldjob SUBSCRIBERS STATE_DIR LOCK`: one fold, in a process
of its own.

`newsletter serve` folds the journal into a long list this way, so that reading and
writing the list takes none of the server's interpreter while it answers requests.
Prints the number of changes folded; exits 1, with the reason on stderr, if it could not.
"""

from __future__ import annotations

import sys
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.subscribers.journal import Journal, fold


def main(argv: list[str]) -> int:
    path, state_dir, lock = (Path(a) for a in argv)
    journal = Journal(state_dir)
    try:
        print(fold(path, journal, lock_path=lock))
    except NewsletterError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        journal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
