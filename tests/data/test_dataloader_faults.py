"""DataLoader under faults: dying workers, stuck workers, a dying main process, epochs left early.

Messages, exception types and causes are PyTorch 2.13's (checked with the same datasets on torch's DataLoader).
Every test runs under a wall-clock guard, so a regression to a hang fails the test instead of stalling the suite.
"""
import contextlib
import ctypes
import faulthandler
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ember.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

_REPO = Path(__file__).resolve().parents[2]


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _within(seconds: float):
    """Fail with _Hang if the block runs longer than ``seconds`` (SIGALRM interrupts blocking reads too)."""
    def on_alarm(signum, frame):
        raise _Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _AlarmWhenPickled:
    """Pickled after a large array in the same batch: arms SIGALRM (default action: terminate) 1 ms ahead, so the
    worker dies while the batch's bytes are going through the pipe."""

    def __reduce__(self):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the fork inherited the test's guard
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return (_AlarmWhenPickled, ())


class _DiesAt(Dataset):
    """Index 2 ends its worker the way ``how`` names; other indices are small arrays."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __len__(self) -> int:
        return 6

    def __getitem__(self, i):
        if i == 2:
            if self.how == "exit":
                os._exit(1)
            if self.how == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.how == "segfault":
                faulthandler.disable()  # pytest's handler, inherited by the fork, would print a dump
                ctypes.string_at(0)
            if self.how == "mid-transfer":
                return np.ones(1 << 22), _AlarmWhenPickled()
        return np.full(3, i)


def _first(batch):
    return batch


@pytest.mark.parametrize("how, timeout, cause", [
    ("exit", 0, "exited unexpectedly with exit code 1. Details are lost due to multiprocessing."),
    ("sigkill", 0, "is killed by signal: Killed. "),
    ("segfault", 0, "is killed by signal: Segmentation fault. "),
    ("mid-transfer", 0, "is killed by signal: Alarm clock. "),
    ("mid-transfer", 5, "is killed by signal: Alarm clock. "),
])
def test_a_dying_worker_ends_the_iteration_at_once(how, timeout, cause):
    loader = DataLoader(_DiesAt(how), batch_size=None, num_workers=2, timeout=timeout, collate_fn=_first)
    start = time.monotonic()
    with _within(8), pytest.raises(RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$") \
            as info:
        list(loader)
    assert time.monotonic() - start < 3
    assert isinstance(info.value.__cause__, RuntimeError) and cause in str(info.value.__cause__)
    assert multiprocessing.active_children() == []


class _Sleeps(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i):
        if i == 1:
            time.sleep(30)
        return i


def test_timeout_fires_after_about_the_given_seconds():
    loader = DataLoader(_Sleeps(), batch_size=None, num_workers=1, timeout=1.5)
    start = time.monotonic()
    with _within(8), pytest.raises(RuntimeError, match=r"^DataLoader timed out after 1.5 seconds$"):
        list(loader)
    assert 1.4 < time.monotonic() - start < 2.2
    assert multiprocessing.active_children() == []


class _Indices(Dataset):
    def __len__(self) -> int:
        return 40

    def __getitem__(self, i):
        return i


def test_persistent_workers_never_hand_out_a_previous_epochs_batches():
    loader = DataLoader(_Indices(), batch_size=2, shuffle=True, num_workers=2, persistent_workers=True)
    with _within(10):
        for _ in loader:
            break
        it = iter(loader)
        next(it)
        del it
        for _ in range(2):
            epoch = [b.tolist() for b in loader]
            assert len(epoch) == 20 and sorted(sum(epoch, [])) == list(range(40))
    loader._pool.shutdown()


class _Shards(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        return iter(range(info.id, 10, info.num_workers))


def test_persistent_workers_restart_an_iterable_dataset_each_epoch():
    loader = DataLoader(_Shards(), batch_size=2, num_workers=2, persistent_workers=True)
    expected = [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]  # torch's order
    with _within(10):
        assert [b.tolist() for b in loader] == expected
        for _ in loader:
            break
        assert [b.tolist() for b in loader] == expected
    loader._pool.shutdown()


_ORPHAN_SCRIPT = """
import time
from ember.utils.data import DataLoader, Dataset
class D(Dataset):
    def __len__(self): return 1000
    def __getitem__(self, i): return i
loader = DataLoader(D(), batch_size=1, num_workers=2, persistent_workers=True)
next(iter(loader))
print(*[w.pid for w in loader._pool.workers], flush=True)
time.sleep(60)
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie left for init to reap counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_main_process_is_killed():
    main = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT], cwd=_REPO, stdout=subprocess.PIPE, text=True)
    try:
        with _within(20):
            pids = [int(p) for p in main.stdout.readline().split()]
        assert len(pids) == 2 and all(_running(p) for p in pids)
        main.kill()
        main.wait()
        deadline = time.monotonic() + 3
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [p for p in pids if _running(p)]
        for p in survivors:
            os.kill(p, signal.SIGKILL)
        assert survivors == []
    finally:
        main.kill()
        main.stdout.close()
