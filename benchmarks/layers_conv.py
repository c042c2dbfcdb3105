"""Time convolution forward+backward at the seed networks' shapes, and the seed networks' train steps, ember
against PyTorch in the same process: interleaved rounds (time.perf_counter), printed as the minimum and the median
of each, and the ratio of the minima (the quietest runs: the machine is shared).

Run: ``python -m benchmarks.layers_conv [--rounds 10] [--torch-threads 1] [--only conv|train] [--pause 0.15]``.
``conv_cases()`` and ``train_cases()`` are importable for other runners.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ember

from .workloads import seed_cifar_quick, seed_lenet, train_step

try:
    import torch
except ModuleNotFoundError:
    torch = None

# (name, layer factory, input shape): LeNet's two convolutions (seeds 000/002) and CIFAR-quick's three (seed 003),
# batch 64. The input requires grad in every case, so backward computes the input, weight and bias gradients.
CONV_CASES = [
    ("LeNet conv1 Conv2d(3,6,5) 64x3x32x32", lambda nn: nn.Conv2d(3, 6, 5), (64, 3, 32, 32)),
    ("LeNet conv2 Conv2d(6,16,5) 64x6x14x14", lambda nn: nn.Conv2d(6, 16, 5), (64, 6, 14, 14)),
    ("CIFAR conv1 Conv2d(3,32,5,p=2) 64x3x32x32", lambda nn: nn.Conv2d(3, 32, 5, padding=2), (64, 3, 32, 32)),
    ("CIFAR conv2 Conv2d(32,32,5,p=2) 64x32x16x16", lambda nn: nn.Conv2d(32, 32, 5, padding=2), (64, 32, 16, 16)),
    ("CIFAR conv3 Conv2d(32,64,5,p=2) 64x32x8x8", lambda nn: nn.Conv2d(32, 64, 5, padding=2), (64, 32, 8, 8)),
]

# (name, network builder, batch): zero_grad, forward, CrossEntropyLoss, backward, SGD-momentum step.
TRAIN_CASES = [(f"{label} train step, batch {batch}", build, batch)
               for label, build in (("LeNet", seed_lenet), ("CIFAR-quick", seed_cifar_quick)) for batch in (1, 64)]


def _fwd_bwd(lib, layer, shape):
    """A closure running ``layer`` forward and backward on a fixed float32 input of ``shape``."""
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), requires_grad=True)
    grad = lib.tensor(np.random.default_rng(1).standard_normal(tuple(layer(x).shape)).astype(np.float32))

    def step():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(grad)

    return step


def conv_cases() -> list:
    """(name, ember_callable, torch_callable) forward+backward closures; torch_callable is None without torch."""
    return [(name, _fwd_bwd(ember, factory(ember.nn), shape),
             _fwd_bwd(torch, factory(torch.nn), shape) if torch else None) for name, factory, shape in CONV_CASES]


def train_cases() -> list:
    """(name, ember_callable, torch_callable) train-step closures of the seed networks."""
    return [(name, train_step(build, batch)(ember), train_step(build, batch)(torch) if torch else None)
            for name, build, batch in TRAIN_CASES]


def _sample_ms(fn, inner: int, pause: float) -> float:
    """Mean of ``inner`` calls after a pause and an untimed call.

    Both libraries' BLAS/OpenMP worker threads spin for a while after their last call before they sleep
    (OpenBLAS's for about 0.1 s): without the pause they would take a core from the other library's sample. The
    untimed call wakes this library's own threads.
    """
    time.sleep(pause)
    fn()
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner * 1e3


def _inner(fn) -> int:
    """Calls per sample, so that a sample lasts about 50 ms (short steps are too close to the clock's noise)."""
    fn()
    start = time.perf_counter()
    fn()
    return max(2, min(200, int(0.05 / max(time.perf_counter() - start, 1e-6))))


def _report(cases: list, rounds: int, pause: float) -> None:
    print(f"{'case':<46} {'ember min':>9} {'torch min':>9} {'ratio':>6}   {'ember med':>9} {'torch med':>9}")
    for name, e, t in cases:
        fns = [f for f in (e, t) if f is not None]
        inner = [_inner(f) for f in fns]
        samples = [[] for _ in fns]
        for _ in range(rounds):  # interleave so both see the same machine load
            for f, k, s in zip(fns, inner, samples):
                s.append(_sample_ms(f, k, pause))
        mins = [min(s) for s in samples]
        meds = [statistics.median(s) for s in samples]
        if t is None:
            print(f"{name:<46} {mins[0]:9.3f} {'-':>9} {'-':>6}   {meds[0]:9.3f} {'-':>9}")
        else:
            print(f"{name:<46} {mins[0]:9.3f} {mins[1]:9.3f} {mins[0] / mins[1]:6.2f}   {meds[0]:9.3f} {meds[1]:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved samples per case")
    parser.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    parser.add_argument("--only", choices=("conv", "train"), help="run only the layer or only the train-step cases")
    parser.add_argument("--pause", type=float, default=0.15, help="seconds of idle before each sample")
    args = parser.parse_args()
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    if torch is not None:
        print(f"torch threads: {torch.get_num_threads()}")
    if args.only != "train":
        _report(conv_cases(), args.rounds, args.pause)
    if args.only != "conv":
        _report(train_cases(), args.rounds, args.pause)


if __name__ == "__main__":
    main()
