"""The ``ember`` command line: ``ember train`` and ``ember run`` (also ``python -m ember train|run``)."""
from __future__ import annotations

import sys

from .errors import CommandError
from .options import build_parser, finish_options, given_options
from .resume import continue_run, read_checkpoint
from .train import run
from ..run import main as run_program


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the command; returns the exit status.

    A problem the user can fix ends in one ``ember train: error: ...`` line on stderr (a traceback with ``--debug``)
    and status 1, or 2 for a command line that contradicts itself or the resumed run (argparse's own errors included);
    Ctrl-C ends in one ``ember train: interrupted ...`` line and status 130.
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # the program's own arguments follow: they must not meet ember's parser
        return run_program(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        given = given_options(argv)
        state = read_checkpoint(args.resume) if args.resume else None
        if state is not None:
            continue_run(args, given, state)
        finish_options(args, given)
        return run(args, state)
    except CommandError as e:
        if args.debug:
            raise
        print(f"ember train: error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("ember train: interrupted", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main"]


if __name__ == "__main__":
    sys.exit(main())
