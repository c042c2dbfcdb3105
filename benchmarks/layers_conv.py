"""Time convolution forward+backward at the seed networks' shapes, ember against PyTorch in the same process:
median of interleaved rounds (time.perf_counter), printed as ember ms, torch ms and their ratio.

Run: ``python -m benchmarks.layers_conv [--rounds 5]``. ``conv_cases()`` is importable for other runners.
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

# (name, layer factory, input shape): LeNet's two convolutions (seeds 000/002) and CIFAR-quick's three (seed 003),
# batch 64. The input requires grad in every case, so backward computes the input, weight and bias gradients.
CONV_CASES = [
    ("LeNet conv1 Conv2d(3,6,5) 64x3x32x32", lambda nn: nn.Conv2d(3, 6, 5), (64, 3, 32, 32)),
    ("LeNet conv2 Conv2d(6,16,5) 64x6x14x14", lambda nn: nn.Conv2d(6, 16, 5), (64, 6, 14, 14)),
    ("CIFAR conv1 Conv2d(3,32,5,p=2) 64x3x32x32", lambda nn: nn.Conv2d(3, 32, 5, padding=2), (64, 3, 32, 32)),
    ("CIFAR conv2 Conv2d(32,32,5,p=2) 64x32x16x16", lambda nn: nn.Conv2d(32, 32, 5, padding=2), (64, 32, 16, 16)),
    ("CIFAR conv3 Conv2d(32,64,5,p=2) 64x32x8x8", lambda nn: nn.Conv2d(32, 64, 5, padding=2), (64, 32, 8, 8)),
]


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
    cases = []
    for name, factory, shape in CONV_CASES:
        e = _fwd_bwd(ember, factory(ember.nn), shape)
        t = _fwd_bwd(torch, factory(torch.nn), shape) if torch else None
        cases.append((name, e, t))
    return cases


def _median_ms(fn, rounds: int) -> float:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per case (median reported)")
    args = parser.parse_args()
    print(f"{'case':<46} {'ember ms':>9} {'torch ms':>9} {'ratio':>6}")
    for name, e, t in conv_cases():
        e_ms, t_ms = [], []
        for _ in range(args.rounds):  # interleave so both see the same machine load
            e_ms.append(_median_ms(e, 1))
            if t is not None:
                t_ms.append(_median_ms(t, 1))
        e_med = statistics.median(e_ms)
        if t_ms:
            t_med = statistics.median(t_ms)
            print(f"{name:<46} {e_med:9.2f} {t_med:9.2f} {e_med / t_med:6.2f}")
        else:
            print(f"{name:<46} {e_med:9.2f} {'-':>9} {'-':>6}")


if __name__ == "__main__":
    main()
