"""Process-level measurements: import time and the memory of a training run (its peak, and whether the resident size
stays flat over the steps), each in a fresh process; and background load for measuring on a busy machine."""
from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
from typing import Iterator

# The peak is read from VmHWM (this process's own high-water mark), not getrusage's ru_maxrss: Linux carries
# ru_maxrss over execve, so a child of the (large) benchmark process would report its parent's peak. VmRSS after
# chosen steps shows whether memory stays flat over the run.
_TRAIN_SCRIPT = """
import json, resource, sys
import {lib} as lib
sys.path.insert(0, {root!r})
from benchmarks import workloads
step = workloads.train_step(getattr(workloads, {network!r}), {batch})(lib)


def status_kb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


rss = {{}}
for i in range(1, {steps} + 1):
    step()
    if i in {rss_after!r}:
        try:
            rss[i] = status_kb("VmRSS")
        except OSError:
            pass
try:
    peak = status_kb("VmHWM")
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak": peak, "rss_after": rss}}))
"""


def import_seconds(module: str, rounds: int = 5) -> float:
    """Median wall time of ``import module`` in a fresh interpreter (interpreter start-up subtracted)."""
    def run(code: str) -> float:
        out = subprocess.run([sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; "
                              "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    return statistics.median(run(f"import {module}") for _ in range(rounds))


def peak_memory_mb(module: str, root: str, steps: int = 30) -> float:
    """Peak resident memory (MB) of a process that trains seed LeNet for ``steps`` steps at batch 64."""
    return train_memory_mb(module, root, steps, "seed_lenet", 64)["peak_mb"]


def train_memory_mb(module: str, root: str, steps: int, network: str, batch: int,
                    rss_after: tuple[int, ...] = ()) -> dict:
    """Memory of a fresh process that trains ``workloads.<network>`` (``train_step``) for ``steps`` steps:
    ``{"peak_mb": ..., "rss_after_mb": {step: MB}}`` with the resident size after each step in ``rss_after``
    (empty where /proc is missing)."""
    script = _TRAIN_SCRIPT.format(lib=module, root=root, steps=steps, network=network, batch=batch,
                                  rss_after=set(rss_after))
    out = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                    check=True).stdout.strip().splitlines()[-1])
    return {"peak_mb": out["peak"] / 1024, "rss_after_mb": {int(k): v / 1024 for k, v in out["rss_after"].items()}}


FLAT_GROWTH = 0.02  # "flat": resident memory grew by at most 2 % between the two marks


def train_memory_report(modules: list[str], root: str, runs: list[tuple[str, str, int]], steps: int = 200,
                        mark: int = 50) -> dict:
    """For each ``(label, network, batch)`` in ``runs`` and each library, a fresh process trains ``steps`` steps:
    ``{label: {module: {peak_mb, rss_after_<mark>_mb, rss_after_<steps>_mb, flat}}}``."""
    report: dict = {}
    for label, network, batch in runs:
        for module in modules:
            mem = train_memory_mb(module, root, steps, network, batch, rss_after=(mark, steps))
            rss = mem["rss_after_mb"]
            entry = {"peak_mb": mem["peak_mb"], f"rss_after_{mark}_mb": rss.get(mark),
                     f"rss_after_{steps}_mb": rss.get(steps),
                     "flat": None if not rss else rss[steps] <= rss[mark] * (1 + FLAT_GROWTH)}
            report.setdefault(label, {})[module] = entry
    return report


def memory_rows(report: dict) -> list[str]:
    """The table of ``train_memory_report``: peak, resident size at both marks and whether it stayed flat."""
    lines = []
    for label, per_module in report.items():
        for module, entry in per_module.items():
            cells = "  ".join(f"{key.removesuffix('_mb')} {value:8.1f}" for key, value in entry.items()
                              if key.endswith("_mb") and value is not None)
            lines.append(f"{label:<32} {module:<6} {cells}  flat: {entry['flat']}")
    return lines


# a pure-Python spin loop that ends by itself (at the latest after an hour) should the benchmark die without
# stopping it
_SPIN = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def busy(processes: int) -> Iterator[None]:
    """Keep ``processes`` other processes spinning on the CPU for the duration (a shared, busy machine)."""
    spinners = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(processes)]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()

