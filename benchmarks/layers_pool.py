"""Time pooling forward+backward at the seed networks' shapes, ember against PyTorch in the same process: median of
several interleaved rounds, printed as ember ms, torch ms and ratio.

Run: ``python -m benchmarks.layers_pool [--rounds 5]``. ``pool_cases()`` is importable for other runners.
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

# (name, layer factory, input shape): LeNet's two poolings (seed 000/002), CIFAR-quick's (seed 003) and the
# overlapping 3x3/2 pooling and average pooling at CIFAR-quick's first feature map
POOL_CASES = [
    ("MaxPool2d(2) 64x6x28x28", lambda nn: nn.MaxPool2d(2), (64, 6, 28, 28)),
    ("MaxPool2d(2) 64x16x10x10", lambda nn: nn.MaxPool2d(2), (64, 16, 10, 10)),
    ("MaxPool2d(2) 64x32x32x32", lambda nn: nn.MaxPool2d(2), (64, 32, 32, 32)),
    ("MaxPool2d(3, 2) 64x32x32x32", lambda nn: nn.MaxPool2d(3, 2), (64, 32, 32, 32)),
    ("AvgPool2d(2) 64x32x32x32", lambda nn: nn.AvgPool2d(2), (64, 32, 32, 32)),
    ("AvgPool2d(3, 2) 64x32x32x32", lambda nn: nn.AvgPool2d(3, 2), (64, 32, 32, 32)),
    ("AdaptiveAvgPool2d(1) 64x64x8x8", lambda nn: nn.AdaptiveAvgPool2d(1), (64, 64, 8, 8)),
]


def _fwd_bwd(lib, layer, shape):
    """A closure running ``layer`` forward and backward on a fixed float32 input of ``shape``."""
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), requires_grad=True)
    out_shape = tuple(layer(x).shape)
    grad = lib.tensor(np.random.default_rng(1).standard_normal(out_shape).astype(np.float32))

    def step():
        x.grad = None
        layer(x).backward(grad)

    return step


def pool_cases() -> list:
    """(name, ember_callable, torch_callable) forward+backward closures; torch_callable is None without torch."""
    cases = []
    for name, factory, shape in POOL_CASES:
        e = _fwd_bwd(ember, factory(ember.nn), shape)
        t = _fwd_bwd(torch, factory(torch.nn), shape) if torch else None
        cases.append((name, e, t))
    return cases


def _inner(fn) -> int:
    fn()
    start = time.perf_counter()
    fn()
    return max(1, min(1000, int(0.02 / max(time.perf_counter() - start, 1e-7))))


def _sample(fn, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers_pool")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads before timing (default: torch's own choice)")
    args = parser.parse_args(argv)
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    print(f"{'case':<32} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for name, ember_fn, torch_fn in pool_cases():
        fns = [f for f in (ember_fn, torch_fn) if f is not None]
        inner = [_inner(f) for f in fns]
        samples = [[] for _ in fns]
        for _ in range(args.rounds):  # interleaved, so both see the same machine load
            for i, f in enumerate(fns):
                samples[i].append(_sample(f, inner[i]))
        ms = [statistics.median(s) * 1e3 for s in samples]
        if torch_fn is None:
            print(f"{name:<32} {ms[0]:10.3f} {'-':>10} {'-':>7}")
        else:
            print(f"{name:<32} {ms[0]:10.3f} {ms[1]:10.3f} {ms[0] / ms[1]:7.2f}")


if __name__ == "__main__":
    main()
