"""``ember run script.py [args...]`` (also ``python -m ember.run``): run an unmodified PyTorch program on ember.

The program's ``import torch`` and ``import torchvision`` are served by ember (``ember._import_hook``) and the
names ember prints switch to PyTorch's (``torch.float32``, ``torch.Size``, ``<class 'torch.Tensor'>``), so a
tutorial's output reads as it does under PyTorch. The script runs as ``__main__`` with ``sys.argv`` set to
``[script, *args]`` and its folder first on ``sys.path``, as ``python script.py`` would; ``-m module`` runs a
module instead. Nothing of the user's files is changed.
"""
from __future__ import annotations

import argparse
import os
import runpy
import sys

from . import _import_hook, _naming
from ._tensor import Tensor

USAGE = "ember run [-h] (script.py | -m module) [args ...]"


# stand-in ``torch``/``torchvision`` packages for the processes a program starts (see ``_run_shims``)
_SHIMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_run_shims")


def use_torch_names() -> None:
    """Serve ``torch``/``torchvision`` imports from ember and print PyTorch's names, for the rest of the process."""
    _import_hook.install()
    _naming.set_package_name("torch")
    Tensor.__module__ = "torch"


def _child_processes_too() -> None:
    """Processes the program starts find the stand-in packages before any installed PyTorch, so their ``import
    torch`` is ember's too: through ``PYTHONPATH`` for any Python started, and on this process's ``sys.path``,
    which spawned multiprocessing children (DataLoader workers) copy. Here the import hook answers first."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != _SHIMS]
    os.environ["PYTHONPATH"] = os.pathsep.join([_SHIMS, *paths])
    if _SHIMS not in sys.path:
        sys.path.insert(0, _SHIMS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ember run", usage=USAGE,
                                     description="Run a PyTorch program with torch and torchvision served by ember.")
    parser.add_argument("-m", dest="module", metavar="module", help="run a library module as a script")
    parser.add_argument("target", nargs="?", help="the program to run (script.py), or with -m its first argument")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the program")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the program ``argv`` names; returns its exit status (``sys.exit`` in the program ends the run there)."""
    argv = sys.argv[1:] if argv is None else argv
    # everything after the script (or -m module) belongs to the program, including its own -h
    split = next((i for i, a in enumerate(argv) if not a.startswith("-") or a == "-m"), len(argv))
    if split < len(argv) and argv[split] == "-m":
        options, program = argv[:split + 2], argv[split + 2:]
    else:
        options, program = argv[:split + 1], argv[split + 1:]
    args = _parser().parse_args(options)
    if args.module is None and args.target is None:
        _parser().error("a script (or -m module) to run is required")
    use_torch_names()
    _child_processes_too()
    if args.module is not None:
        sys.argv = [args.module, *([args.target] if args.target else []), *program]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
        return 0
    script = args.target
    if not os.path.exists(script):
        print(f"ember run: error: can't open file '{script}': No such file or directory", file=sys.stderr)
        return 2
    sys.argv = [script, *program]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
