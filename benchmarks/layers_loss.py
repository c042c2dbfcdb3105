"""Time the losses of every training step (CrossEntropyLoss at batch 64 and 1, MSELoss) forward+backward, ember
against PyTorch in the same process: median of several interleaved rounds, printed as ember ms, torch ms, ratio.

Run: ``python -m benchmarks.layers_loss [--rounds 5]``. ``loss_cases()`` is importable for other runners.
"""
from __future__ import annotations

import argparse

import numpy as np

import ember

from .harness import compare

try:
    import torch
except ModuleNotFoundError:
    torch = None

N_CLASSES = 10


def _step(lib, loss, x_shape, target):
    """A closure running ``loss(x, target)`` forward and backward on a fixed float32 input of ``x_shape``."""
    x = lib.tensor(np.random.default_rng(0).standard_normal(x_shape).astype(np.float32), requires_grad=True)
    y = lib.tensor(target)

    def step():
        x.grad = None
        loss(x, y).backward()

    return step


def loss_cases() -> list:
    """(name, ember_callable, torch_callable) forward+backward closures; torch_callable is None without torch."""
    rng = np.random.default_rng(1)
    specs = [("CrossEntropyLoss (64, 10)", "CrossEntropyLoss", (64, N_CLASSES), rng.integers(0, N_CLASSES, 64)),
             ("CrossEntropyLoss (1, 10)", "CrossEntropyLoss", (1, N_CLASSES), rng.integers(0, N_CLASSES, 1)),
             ("MSELoss (64, 10)", "MSELoss", (64, N_CLASSES),
              rng.standard_normal((64, N_CLASSES)).astype(np.float32))]
    cases = []
    for name, cls, shape, target in specs:
        make = lambda lib, cls=cls, shape=shape, target=target: _step(lib, getattr(lib.nn, cls)(), shape, target)
        cases.append((name, make(ember), make(torch) if torch else None))
    return cases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers_loss")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'case':<42} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for name, ember_fn, torch_fn in loss_cases():
        libs = {"ember": ember_fn} if torch_fn is None else {"ember": ember_fn, "torch": torch_fn}
        print(compare(name, lambda fn: fn, libs, args.rounds, target=2.0 if "Cross" in name else None).row())


if __name__ == "__main__":
    main()
