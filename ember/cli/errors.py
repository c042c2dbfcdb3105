"""The exception ``ember train`` reports as one ``ember train: error: ...`` line on stderr instead of a traceback."""
from __future__ import annotations


class CommandError(Exception):
    """A problem the user can fix: a bad option, a missing or damaged file, a missing package.

    ``status`` is the exit status: 2 for a command line that contradicts itself or the run being resumed (argparse's
    status for usage errors), 1 for everything else.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


__all__ = ["CommandError"]
