"""Process-level measurements: import time and the peak memory of a short training run (in fresh processes), and
background load for measuring on a busy machine."""
from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
from typing import Iterator

# The peak is read from VmHWM (this process's own high-water mark), not getrusage's ru_maxrss: Linux carries
# ru_maxrss over execve, so a child of the (large) benchmark process would report its parent's peak.
_TRAIN_SCRIPT = """
import resource, sys
import {lib} as lib
sys.path.insert(0, {root!r})
from benchmarks.workloads import seed_lenet, train_step
step = train_step(seed_lenet, 64)(lib)
for _ in range({steps}):
    step()
try:
    with open("/proc/self/status") as f:
        print(next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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
    out = subprocess.run([sys.executable, "-c", _TRAIN_SCRIPT.format(lib=module, root=root, steps=steps)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


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
