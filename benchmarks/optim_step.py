"""Time one optimizer step (SGD with momentum, Adam) over 1 M float32 parameters in a few hundred tensors,
ember against PyTorch in the same process: median of several rounds, printed as ember ms, torch ms and ratio.

Run: ``python benchmarks/optim_step.py [--tensors 300] [--total 1000000] [--rounds 15]``.
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

OPTIMIZERS = {
    "SGD momentum": lambda lib, params: lib.optim.SGD(params, lr=0.01, momentum=0.9),
    "Adam": lambda lib, params: lib.optim.Adam(params, lr=1e-3),
}


def make_step(lib, make_opt, n_tensors: int, total: int):
    """An optimizer over ``n_tensors`` float32 tensors of ``total`` elements in all, gradients preset; its step."""
    rng = np.random.default_rng(0)
    sizes = np.full(n_tensors, total // n_tensors)
    sizes[: total % n_tensors] += 1
    params = []
    for size in sizes:
        p = lib.tensor(rng.standard_normal(int(size)).astype(np.float32), requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(int(size)).astype(np.float32))
        params.append(p)
    opt = make_opt(lib, params)
    opt.step()  # state is created on the first step; time the steady state
    return opt.step


def median_ms(step, rounds: int, inner: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(inner):
            step()
        samples.append((time.perf_counter() - start) / inner * 1e3)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensors", type=int, default=300)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--inner", type=int, default=5)
    args = parser.parse_args()
    print(f"one step over {args.total:,} float32 parameters in {args.tensors} tensors "
          f"(median of {args.rounds} rounds x {args.inner} steps)")
    print(f"{'optimizer':<14} {'ember ms':>9} {'torch ms':>9} {'ratio':>6}")
    for name, make_opt in OPTIMIZERS.items():
        ember_step = make_step(ember, make_opt, args.tensors, args.total)
        ember_ms = median_ms(ember_step, args.rounds, args.inner)
        if torch is None:
            print(f"{name:<14} {ember_ms:9.3f} {'-':>9} {'-':>6}")
            continue
        torch_ms = median_ms(make_step(torch, make_opt, args.tensors, args.total), args.rounds, args.inner)
        print(f"{name:<14} {ember_ms:9.3f} {torch_ms:9.3f} {ember_ms / torch_ms:6.2f}")


if __name__ == "__main__":
    main()
