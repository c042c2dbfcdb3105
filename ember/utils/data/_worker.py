"""The loop a DataLoader worker process runs, and ``get_worker_info`` for code inside it."""
from __future__ import annotations

import queue
import traceback
from dataclasses import dataclass

from ... import _random

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


def worker_loop(dataset, fetch, index_queue, result_queue, done_event, worker_id: int, num_workers: int, seed: int,
                worker_init_fn) -> None:
    """Fetch batches for (task id, indices) messages until told to stop with None."""
    global _worker_info
    import random
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle

    import numpy as np

    _random.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        iterator = iter(dataset) if fetch is None else None
    except Exception as e:
        init_error = ExceptionWrapper(e, f"in DataLoader worker process {worker_id}")
    while not done_event.is_set():
        try:
            task = index_queue.get(timeout=0.5)
        except queue.Empty:
            continue
        if task is None:
            break
        task_id, indices = task
        if init_error is not None:
            result_queue.put((task_id, init_error))
            continue
        try:
            batch = fetch(indices) if fetch is not None else indices(iterator)
        except StopIteration:
            batch = IterableExhausted()
        except Exception as e:
            batch = ExceptionWrapper(e, f"in DataLoader worker process {worker_id}")
        result_queue.put((task_id, batch))
