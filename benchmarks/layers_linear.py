"""Time Linear (at seed LeNet's fully connected shapes) and ReLU forward+backward, ember against PyTorch in the
same process: median of several rounds, printed as ember ms, torch ms and ratio.

Run: ``python -m benchmarks.layers_linear [--rounds 5]``. ``linear_cases()`` is importable for other runners.
On a loaded machine, pin BLAS and torch to one thread (``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``) for stable
ratios: multi-threaded GEMMs of this size mostly measure contention.
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

# (batch, in_features, out_features): seed 000's fc1, fc2, fc3 at batch 64 and batch 1
LINEAR_SHAPES = [(64, 400, 120), (64, 120, 84), (64, 84, 10), (1, 400, 120), (1, 120, 84), (1, 84, 10)]
RELU_SHAPE = (64, 6, 28, 28)


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


def linear_cases() -> list:
    """(name, ember_callable, torch_callable) forward+backward closures; torch_callable is None without torch."""
    cases = []
    for batch, fin, fout in LINEAR_SHAPES:
        make = lambda lib, fin=fin, fout=fout, batch=batch: _fwd_bwd(lib, lib.nn.Linear(fin, fout), (batch, fin))
        cases.append((f"Linear {fin}->{fout}, batch {batch}", make(ember), make(torch) if torch else None))
    make = lambda lib: _fwd_bwd(lib, lib.nn.ReLU(), RELU_SHAPE)
    cases.append((f"ReLU {'x'.join(map(str, RELU_SHAPE))}", make(ember), make(torch) if torch else None))
    return cases


def _inner_count(fn, budget_s: float = 0.02) -> int:
    """How many calls make one timing sample last about ``budget_s``."""
    fn()
    start = time.perf_counter()
    fn()
    return max(1, min(1000, int(budget_s / max(time.perf_counter() - start, 1e-7))))


def _sample(fn, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def _medians_ms(fns: list, rounds: int) -> list:
    """Median ms per call of each function, sampling them alternately so machine load hits all alike."""
    inner = [_inner_count(fn) for fn in fns]
    samples = [[] for _ in fns]
    for _ in range(rounds):
        for fn, n, out in zip(fns, inner, samples):
            out.append(_sample(fn, n))
    return [statistics.median(s) * 1e3 for s in samples]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers_linear")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'case':<32} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    for name, ember_fn, torch_fn in linear_cases():
        if torch_fn is None:
            (e,) = _medians_ms([ember_fn], args.rounds)
            print(f"{name:<32} {e:10.4f} {'-':>10} {'-':>7}")
            continue
        e, t = _medians_ms([ember_fn, torch_fn], args.rounds)
        print(f"{name:<32} {e:10.4f} {t:10.4f} {e / t:7.2f}")


if __name__ == "__main__":
    main()
