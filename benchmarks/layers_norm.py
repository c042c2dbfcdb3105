"""Time normalization layers forward+backward, ember against PyTorch in the same process: median of several
rounds, printed as ember ms, torch ms and ratio.

Run: ``python -m benchmarks.layers_norm [--rounds 5]``. ``norm_cases()`` is importable for other runners.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ember

try:
    import torch
except ModuleNotFoundError:
    torch = None

# (label, layer factory, input shape); the two BatchNorm2d shapes are the speed targets (<= 2x torch)
NORM_SHAPES = [
    ("BatchNorm2d 32", lambda lib: lib.nn.BatchNorm2d(32), (64, 32, 32, 32)),
    ("BatchNorm2d 16", lambda lib: lib.nn.BatchNorm2d(16), (64, 16, 10, 10)),
    ("BatchNorm1d 120", lambda lib: lib.nn.BatchNorm1d(120), (64, 120)),
    ("GroupNorm 8x32", lambda lib: lib.nn.GroupNorm(8, 32), (64, 32, 16, 16)),
    ("LayerNorm 256", lambda lib: lib.nn.LayerNorm(256), (64, 64, 256)),
    ("InstanceNorm2d 16", lambda lib: lib.nn.InstanceNorm2d(16, affine=True), (64, 16, 16, 16)),
]


def _fwd_bwd(lib, layer, shape):
    """A closure running ``layer`` forward and backward on a fixed float32 input of ``shape``."""
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), requires_grad=True)
    out_shape = tuple(layer(x).shape)
    grad = lib.tensor(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def step():
        x.grad = None
        for p in layer.parameters():
            p.grad = None
        layer(x).backward(grad)

    return step


def norm_cases() -> list:
    """(name, ember_callable, torch_callable) forward+backward closures; torch_callable is None without torch."""
    cases = []
    for label, factory, shape in NORM_SHAPES:
        name = f"{label}, {'x'.join(map(str, shape))}"
        cases.append((name, _fwd_bwd(ember, factory(ember), shape),
                      _fwd_bwd(torch, factory(torch), shape) if torch else None))
    return cases


def _median_ms(fn, rounds: int) -> float:
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    inner = max(1, min(1000, int(0.02 / once)))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return statistics.median(samples) * 1e3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers_norm")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'case':<38} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for name, ember_fn, torch_fn in norm_cases():
        e = _median_ms(ember_fn, args.rounds)
        if torch_fn is None:
            print(f"{name:<38} {e:10.4f} {'-':>10} {'-':>7}")
            continue
        t = _median_ms(torch_fn, args.rounds)
        print(f"{name:<38} {e:10.4f} {t:10.4f} {e / t:7.2f}")


if __name__ == "__main__":
    main()
