"""Timing: interleaved rounds of ember and torch in one process, reported as medians (and minima) and their ratio.

Each sample follows a pause and one untimed call. Both libraries' BLAS/OpenMP worker threads spin for a while after
their last call before they sleep (OpenBLAS's for about 0.1 s): without the pause they would take a core from the
other library's next sample, and the ratio would mostly measure that contention. The untimed call wakes the
sampled library's own threads, so its sample does not pay for their start.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

NAME_WIDTH = 46
PAUSE_S = 0.15  # idle before each sample: longer than the worker threads' spin
SAMPLE_S = 0.05  # a sample repeats the call to last about this long (short calls are too close to the clock's noise)


@dataclass
class Result:
    name: str
    ember_ms: float  # medians of the samples
    torch_ms: float | None
    target: float | None = None
    ember_min_ms: float | None = None  # minima: the quietest samples
    torch_min_ms: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.torch_ms in (None, 0) else self.ember_ms / self.torch_ms

    @property
    def min_ratio(self) -> float | None:
        return None if self.torch_min_ms in (None, 0) else self.ember_min_ms / self.torch_min_ms

    @staticmethod
    def header() -> str:
        return (f"{'workload':<{NAME_WIDTH}} {'ember ms':>10} {'torch ms':>10} {'ratio':>7} {'min ratio':>9}"
                "  (ms and ratio: medians)")

    def row(self) -> str:
        torch_ms = "-" if self.torch_ms is None else f"{self.torch_ms:10.3f}"
        ratio = "-" if self.ratio is None else f"{self.ratio:6.2f}"
        min_ratio = "-" if self.min_ratio is None else f"{self.min_ratio:6.2f}"
        target = "" if self.target is None else f"  (target <= {self.target:g})"
        return f"{self.name:<{NAME_WIDTH}} {self.ember_ms:10.3f} {torch_ms:>10} {ratio:>7} {min_ratio:>9}{target}"


def _sample(fn: Callable[[], object], inner: int, pause: float) -> float:
    """Mean seconds of ``inner`` calls, after ``pause`` seconds of idle and one untimed call."""
    if pause:
        time.sleep(pause)
    fn()
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def _inner_count(fn: Callable[[], object], pause: float) -> int:
    """How many calls make one sample last about ``SAMPLE_S``."""
    once = _sample(fn, 1, pause)
    return max(1, min(1000, int(SAMPLE_S / max(once, 1e-7))))


def compare(name: str, make: Callable, libs: dict, rounds: int, target: float | None = None,
            pause: float = PAUSE_S) -> Result:
    """Median and minimum time of ``make(lib)()`` for each library, alternating libraries sample by sample."""
    fns = {label: make(lib) for label, lib in libs.items()}
    inner = {label: _inner_count(fn, pause) for label, fn in fns.items()}
    samples: dict[str, list[float]] = {label: [] for label in fns}
    for _ in range(rounds):
        for label, fn in fns.items():
            samples[label].append(_sample(fn, inner[label], pause))
    med = {label: statistics.median(s) * 1e3 for label, s in samples.items()}
    low = {label: min(s) * 1e3 for label, s in samples.items()}
    return Result(name, med["ember"], med.get("torch"), target, low["ember"], low.get("torch"))
