"""The loop a DataLoader worker process runs, and ``get_worker_info`` for code inside it."""
from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass

from ... import _random
from ._pipe import send_message

_PARENT_POLL_SECONDS = 0.2

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Given to code running in a worker: which worker this is, how many there are, its seed and dataset copy."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """Inside a worker process: its WorkerInfo; in the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback text."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.exc_type = type(exc)
        self.message = f"Caught {type(exc).__name__} {where}.\nOriginal {traceback.format_exc()}"

    def reraise(self):
        try:
            err = self.exc_type(self.message)
        except Exception:
            err = RuntimeError(self.message)
        raise err


class IterableExhausted:
    """Sent by a worker whose copy of an IterableDataset has no more batches."""


def _exit_when_orphaned(parent_pid: int) -> None:
    """Watchdog thread: end this worker once the main process is gone, whatever the worker is blocked on."""
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def worker_loop(dataset, fetch, index_queue, result_conn, done_event, worker_id: int, num_workers: int, seed: int,
                worker_init_fn, parent_pid: int) -> None:
    """Fetch batches for (generation, task id, indices) messages until told to stop with None.

    A new generation (a new epoch of persistent workers) restarts the worker's IterableDataset iterator, as
    PyTorch's ``_ResumeIteration`` does.
    """
    global _worker_info
    import random
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()

    import numpy as np

    _random.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as e:
        init_error = ExceptionWrapper(e, where)
    generation = iterator = None
    fd = result_conn.fileno()
    while not done_event.is_set():
        try:
            task = index_queue.get(timeout=0.5)
        except queue.Empty:
            continue
        if task is None:
            break
        task_generation, task_id, indices = task
        if init_error is not None:
            batch = init_error
        else:
            try:
                if fetch is None and task_generation != generation:
                    iterator = iter(dataset)
                generation = task_generation
                batch = fetch(indices) if fetch is not None else indices(iterator)
            except StopIteration:
                batch = IterableExhausted()
            except Exception as e:
                batch = ExceptionWrapper(e, where)
        try:
            send_message(fd, (task_id, batch))
        except BrokenPipeError:  # the main process closed its end: it is shutting down or gone
            break
        except Exception as e:  # the batch does not pickle; nothing was written yet
            send_message(fd, (task_id, ExceptionWrapper(e, where)))
