"""The DataLoader: batches from a dataset, in the main process or in worker processes."""
from __future__ import annotations

import collections
import itertools
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import signal
import time
from typing import Callable

import numpy as np

from ..._random import Generator, default_generator
from . import _worker
from ._pipe import MessageReader
from ._worker import ExceptionWrapper, IterableExhausted, get_worker_info  # noqa: F401
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_SHUTDOWN_SECONDS = 2.0


class _IterableBatches:
    """Picklable callable a worker applies to its iterator to produce one batch of an IterableDataset."""

    def __init__(self, batch_size, drop_last, collate_fn) -> None:
        self.batch_size, self.drop_last, self.collate_fn = batch_size, drop_last, collate_fn

    def __call__(self, iterator):
        if self.batch_size is None:
            return self.collate_fn(next(iterator))
        items = list(itertools.islice(iterator, self.batch_size))
        if not items or (self.drop_last and len(items) < self.batch_size):
            raise StopIteration
        return self.collate_fn(items)


class _MapFetcher:
    """Picklable callable turning a list of indices (or one index) into a collated batch."""

    def __init__(self, dataset, auto_collation: bool, collate_fn) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def __call__(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)


class DataLoader:
    """Iterate over a dataset in batches: sampling, collation, and optional worker processes.

    Same arguments and defaults as ``torch.utils.data.DataLoader``; ``pin_memory`` is accepted and ignored (there is
    no device to pin for).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not self._is_iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._is_iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn or (default_collate if batch_size is not None or batch_sampler is not None
                                         else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor if prefetch_factor is not None else 2
        self.persistent_workers = persistent_workers
        self._pool: _WorkerPool | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            _base_seed(self.generator)  # PyTorch draws the workers' base seed for every iterator, workers or not
            return self._single_process()
        if self._pool is None or self._pool.closed or not self.persistent_workers:
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = _WorkerPool(self)
        return self._pool.run(self)

    def _fetcher(self):
        if self._is_iterable:
            return None
        return _MapFetcher(self.dataset, self._auto_collation, self.collate_fn)

    def _iterable_batches(self) -> _IterableBatches:
        return _IterableBatches(self.batch_size, self.drop_last, self.collate_fn)

    def _single_process(self):
        if self._is_iterable:
            make = self._iterable_batches()
            iterator = iter(self.dataset)
            while True:
                try:
                    yield make(iterator)
                except StopIteration:
                    return
        fetch = self._fetcher()
        for indices in self._index_sampler:
            yield fetch(indices)

    def __del__(self) -> None:
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown()


def _base_seed(generator: Generator | None) -> int:
    """PyTorch's ``torch.empty((), dtype=torch.int64).random_(generator=loader.generator)``."""
    return int((generator or default_generator).random_values(1, np.int64)[0])


def _death_detail(worker) -> str:
    """PyTorch's description of how one worker died, given as the cause of the "exited unexpectedly" error."""
    if worker.exitcode < 0:
        return f"DataLoader worker (pid {worker.pid}) is killed by signal: {signal.strsignal(-worker.exitcode)}. "
    return (f"DataLoader worker (pid {worker.pid}) exited unexpectedly with exit code {worker.exitcode}. Details are "
            f"lost due to multiprocessing. Rerunning with num_workers=0 may give better error trace.")


class _WorkerPool:
    """Worker processes, each with its own index queue and result pipe; results come back in order.

    The main process never blocks on a read: it waits on the result pipes and the workers' process sentinels
    together, so a worker's death (even halfway through sending a batch) or the timeout ends the wait at once.
    Task ids keep counting across the epochs of persistent workers, so the results still on their way from an epoch
    that was left early are recognised and dropped.
    """

    def __init__(self, loader: DataLoader) -> None:
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        elif isinstance(ctx, str):
            ctx = mp.get_context(ctx)
        self.done_event = ctx.Event()
        self.index_queues = []
        self.readers: list[MessageReader] = []
        self.workers = []
        base_seed = _base_seed(loader.generator)
        fetch = loader._fetcher()
        for wid in range(loader.num_workers):
            index_queue = ctx.Queue()
            reader, writer = ctx.Pipe(duplex=False)
            w = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(loader.dataset, fetch, index_queue, writer, self.done_event, wid,
                                  loader.num_workers, base_seed + wid, loader.worker_init_fn, os.getpid()))
            w.start()
            writer.close()
            self.index_queues.append(index_queue)
            self.readers.append(MessageReader(os.dup(reader.fileno())))
            reader.close()
            self.workers.append(w)
        self._received: collections.deque = collections.deque()
        self._next_task = 0
        self._generation = 0
        self.closed = False

    def run(self, loader: DataLoader):
        """Yield the batches of one epoch, keeping prefetch_factor tasks in flight per worker."""
        n = len(self.workers)
        self._generation += 1
        generation = self._generation
        pending: dict[int, object] = {}
        first_task = next_task = next_yield = self._next_task
        if loader._is_iterable:
            make = loader._iterable_batches()
            tasks = ((w, make) for w in itertools.cycle(range(n)))
        else:
            tasks = ((i % n, idx) for i, idx in enumerate(loader._index_sampler))
        live = set(range(n))
        owner: dict[int, int] = {}
        try:
            while True:
                while next_task - next_yield < loader.prefetch_factor * n and live:
                    try:
                        wid, payload = next(tasks)
                    except StopIteration:
                        live = set()
                        break
                    if wid not in live:
                        continue
                    owner[next_task] = wid
                    self.index_queues[wid].put((generation, next_task, payload))
                    next_task += 1
                    self._next_task = next_task
                if next_yield == next_task:
                    break
                while next_yield not in pending:
                    task_id, data = self._get(loader.timeout)
                    if task_id >= first_task:
                        pending[task_id] = data
                data = pending.pop(next_yield)
                next_yield += 1
                if isinstance(data, IterableExhausted):
                    live.discard(owner[next_yield - 1])
                    continue
                if isinstance(data, ExceptionWrapper):
                    data.reraise()
                yield data
        finally:
            if not loader.persistent_workers:
                self.shutdown()

    def _get(self, timeout: float):
        """The next (task id, batch) any worker sent; raises once a worker has died or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout if timeout else None
        while not self._received:
            wait_for = None if deadline is None else deadline - time.monotonic()
            if wait_for is not None and wait_for <= 0:
                self.shutdown(grace=0)
                raise RuntimeError(f"DataLoader timed out after {timeout} seconds")
            sentinels = {w.sentinel: w for w in self.workers}
            ready = mp_connection.wait([*self.readers, *sentinels], timeout=wait_for)
            for r in ready:
                if isinstance(r, MessageReader):
                    self._received.extend(r.read_available())
            dead = [sentinels[r] for r in ready if not isinstance(r, MessageReader)]
            if dead:
                for w in dead:
                    w.join()
                self.shutdown(grace=0)
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from RuntimeError(
                    " ".join(_death_detail(w) for w in dead))
        return self._received.popleft()

    def shutdown(self, grace: float = _SHUTDOWN_SECONDS) -> None:
        """Stop the workers: ask, keep draining their pipes so none stays blocked on a write, then terminate.

        After a fault (``grace=0``) the remaining workers are terminated at once: one is stuck or the batches they
        would finish are lost anyway, and the error should reach the caller without delay.
        """
        if self.closed:
            return
        self.closed = True
        self.done_event.set()
        for q in self.index_queues:
            q.put(None)
        deadline = time.monotonic() + grace
        alive = {w.sentinel: (w, r) for w, r in zip(self.workers, self.readers) if w.is_alive()}
        while alive and time.monotonic() < deadline:
            readers = [r for _, r in alive.values()]
            for r in mp_connection.wait([*readers, *alive], timeout=deadline - time.monotonic()):
                if isinstance(r, MessageReader):
                    r.read_available()
            alive = {s: wr for s, wr in alive.items() if wr[0].is_alive()}
        for w, _ in alive.values():
            w.terminate()
        for w in self.workers:
            w.join()
        for r in self.readers:
            r.close()
        for q in self.index_queues:
            q.cancel_join_thread()
            q.close()
