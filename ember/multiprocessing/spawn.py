"""``spawn(fn, args, nprocs)``: ``fn(i, *args)`` in ``nprocs`` processes started by ``mpiexec`` as one MPI world.

The function and its arguments are pickled to a file; each process (``_worker``) loads the caller's main script
as ``__mp_main__`` (so functions defined there unpickle, and its ``if __name__ == "__main__"`` block does not run
again), then calls ``fn`` with its rank. A process that raises writes its traceback next to the pickle and ends
the MPI job; ``join`` raises ``ProcessRaisedException`` with that traceback, as PyTorch does.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..distributed.run import mpiexec_path

__all__ = ["ProcessContext", "ProcessExitedException", "ProcessRaisedException", "spawn", "start_processes"]


class ProcessException(Exception):
    def __init__(self, msg: str, error_index: int, pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid


class ProcessRaisedException(ProcessException):
    """A spawned process raised: the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process ended with a non-zero exit status (or a signal) without a Python exception."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name


class ProcessContext:
    """The running ``mpiexec`` job of ``spawn(..., join=False)``."""

    def __init__(self, process: subprocess.Popen, workdir: tempfile.TemporaryDirectory, nprocs: int) -> None:
        self.process = process
        self._workdir = workdir
        self.nprocs = nprocs

    def pids(self) -> list[int]:
        return [self.process.pid]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the processes; True once all have ended successfully, False on timeout; raises when one
        failed."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        folder = Path(self._workdir.name)
        try:
            if code == 0:
                return True
            for rank in range(self.nprocs):
                error = folder / f"error{rank}.txt"
                if error.is_file():
                    raise ProcessRaisedException(f"\n\n-- Process {rank} terminated with the following error:\n"
                                                 + error.read_text(), rank, self.process.pid)
            raise ProcessExitedException(f"process 0 terminated with exit code {code}", 0, self.process.pid, code)
        finally:
            self._workdir.cleanup()


def start_processes(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(i, *args)`` for i in ``range(nprocs)``, each in its own MPI rank (``RANK``, ``LOCAL_RANK`` and
    ``WORLD_SIZE`` set as the launcher sets them)."""
    workdir = tempfile.TemporaryDirectory(prefix="ember-spawn-")
    job = Path(workdir.name) / "job.pkl"
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    with job.open("wb") as f:
        pickle.dump(main, f)
        pickle.dump((fn, tuple(args)), f)
    program = [sys.executable, "-u", "-m", "ember.multiprocessing._worker", str(job)]
    command = [mpiexec_path()]
    for rank in range(nprocs):
        if rank:
            command.append(":")
        command += ["-n", "1", "-env", "RANK", str(rank), "-env", "LOCAL_RANK", str(rank)] + program
    env = dict(os.environ, WORLD_SIZE=str(nprocs), LOCAL_WORLD_SIZE=str(nprocs), MASTER_ADDR="127.0.0.1",
               MASTER_PORT=os.environ.get("MASTER_PORT", "29500"))
    context = ProcessContext(subprocess.Popen(command, env=env), workdir, nprocs)
    if not join:
        return context
    context.join()
    return None


def spawn(fn: Callable[..., Any], args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> ProcessContext | None:
    """``torch.multiprocessing.spawn``: ``fn(i, *args)`` in ``nprocs`` processes forming one MPI world.

    ``daemon`` and ``start_method`` are accepted for compatibility: mpiexec starts fresh interpreters, as the
    ``"spawn"`` method does.
    """
    return start_processes(fn, args, nprocs, join, daemon, start_method)
