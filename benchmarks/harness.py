"""Timing: interleaved rounds of ember and torch in one process, reported as medians and their ratio."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Result:
    name: str
    ember_ms: float
    torch_ms: float | None
    target: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.torch_ms in (None, 0) else self.ember_ms / self.torch_ms

    def row(self) -> str:
        torch_ms = "-" if self.torch_ms is None else f"{self.torch_ms:10.3f}"
        ratio = "-" if self.ratio is None else f"{self.ratio:6.2f}"
        target = "" if self.target is None else f"  (target <= {self.target:g})"
        return f"{self.name:<42} {self.ember_ms:10.3f} {torch_ms:>10} {ratio:>7}{target}"


def _time_once(fn: Callable[[], object], inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def _inner_count(fn: Callable[[], object], budget_s: float = 0.05) -> int:
    """How many calls make one timing sample last about ``budget_s``."""
    fn()
    once = _time_once(fn, 1)
    return max(1, min(1000, int(budget_s / max(once, 1e-7))))


def compare(name: str, make: Callable, libs: dict, rounds: int, target: float | None = None) -> Result:
    """Median time of ``make(lib)()`` for each library, alternating libraries round by round."""
    fns = {label: make(lib) for label, lib in libs.items()}
    inner = {label: _inner_count(fn) for label, fn in fns.items()}
    samples: dict[str, list[float]] = {label: [] for label in fns}
    for _ in range(rounds):
        for label, fn in fns.items():
            samples[label].append(_time_once(fn, inner[label]))
    med = {label: statistics.median(s) * 1e3 for label, s in samples.items()}
    return Result(name, med["ember"], med.get("torch"), target)
