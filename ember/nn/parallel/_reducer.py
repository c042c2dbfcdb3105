"""The gradient reducer behind DistributedDataParallel: buckets all-reduced while backward is still running.

Parameters are grouped, in reverse registration order, into buckets of at most ``bucket_cap_mb`` (the first one
1 MiB, so communication starts early, as in PyTorch); after the first backward the buckets are rebuilt in the order
the gradients actually arrived (rank 0's order, broadcast), as PyTorch does, so a bucket fills as early as it can. Each
parameter's post-accumulate-grad hook copies its gradient, pre-divided by the world size, into its bucket's flat
buffer; once a bucket is full its ``Iallreduce`` starts, so the summing overlaps the rest of backward. Buckets start
in index order on every rank (MPI needs collectives in the same order everywhere). At the end of backward (the
engine's ``queue_callback``) the reducer starts the buckets still waiting, with zeros for the parameters that got
no gradient, waits for all of them and writes the averaged gradients back, so the optimizer steps on them.
"""
from __future__ import annotations

import weakref

import numpy as np

from ... import distributed as dist
from ..._tensor import wrap
from ...autograd import engine

FIRST_BUCKET_BYTES = 1024 * 1024

UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates that "
    "your module has parameters that were not used in producing loss. You can enable unused parameter detection by "
    "passing the keyword argument `find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and "
    "by making sure all `forward` function outputs participate in calculating loss.\nParameter indices which did not "
    "receive grad for rank {rank}: {indices}")


class _Bucket:
    """Parameters whose gradients travel in one flat buffer (one dtype)."""

    def __init__(self, params: list, indices: list[int]) -> None:
        self.params = params
        self.indices = indices
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.buffer = np.zeros(self.offsets[-1], params[0]._data.dtype)
        self.pending = len(params)

    def view(self, k: int) -> np.ndarray:
        return self.buffer[self.offsets[k]:self.offsets[k + 1]].reshape(self.params[k]._data.shape)


def _buckets(params: list, cap_bytes: int, order: list[int]) -> list[_Bucket]:
    """Buckets of the parameters taken in ``order`` (their indices), cut at ``cap_bytes`` and at dtype changes."""
    buckets, current, indices, size = [], [], [], 0
    limit = min(FIRST_BUCKET_BYTES, cap_bytes)
    for i in order:
        p = params[i]
        if current and (size + p._data.nbytes > limit or p._data.dtype != current[0]._data.dtype):
            buckets.append(_Bucket(current, indices))
            current, indices, size, limit = [], [], 0, cap_bytes
        current.append(p)
        indices.append(i)
        size += p._data.nbytes
    if current:
        buckets.append(_Bucket(current, indices))
    return buckets


class Reducer:
    """Averages the gradients of ``params`` over ``group`` during backward (see the module docstring)."""

    enabled = True  # False under DistributedDataParallel.no_sync(): gradients accumulate locally

    def __init__(self, params: list, group, cap_bytes: int, find_unused: bool, as_bucket_view: bool) -> None:
        self.params = params
        self.group = group
        self.find_unused = find_unused
        self.as_bucket_view = as_bucket_view
        self.cap_bytes = cap_bytes
        self._assign(_buckets(params, cap_bytes, list(reversed(range(len(params))))))
        self.rebuilt = False
        self.divisor = dist.get_world_size(group)
        self.unfinished: list[int] | None = None  # parameters that got no gradient last time, without find_unused
        self.handles = [p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(params)]
        self._reset()

    def _assign(self, buckets: list[_Bucket]) -> None:
        self.buckets = buckets
        self.place = {}  # parameter index -> (bucket, position in it)
        for bucket in buckets:
            for k, i in enumerate(bucket.indices):
                self.place[i] = (bucket, k)

    def _rebuild(self, order: list[int]) -> None:
        """Rebuild the buckets in rank 0's ``order`` (every rank must call this at the same point)."""
        chosen = [order]
        dist.broadcast_object_list(chosen, group=self.group, group_src=0)
        self._assign(_buckets(self.params, self.cap_bytes, chosen[0]))
        self.rebuilt = True

    def _reset(self) -> None:
        self.ready: dict[int, None] = {}  # the parameters whose gradient arrived, in arrival order
        self.next_bucket = 0
        self.works: list = []
        self.queued = False
        for bucket in self.buckets:
            bucket.pending = len(bucket.params)

    def _hook(self, index: int):
        # a weak reference: the parameter must not keep a discarded DistributedDataParallel's reducer at work
        ref = weakref.ref(self)

        def on_grad(param) -> None:
            reducer = ref()
            if reducer is not None and reducer.enabled:
                reducer._mark_ready(index, param)

        return on_grad

    def _mark_ready(self, index: int, param) -> None:
        if not self.queued:
            engine.queue_callback(self.finish)
            self.queued = True
        if index in self.ready:
            raise RuntimeError(f"Expected to mark a variable ready only once. This error is caused by one of the "
                               f"following reasons: 1) Use of a module parameter outside the `forward` function. "
                               f"2) Reused parameters in multiple reentrant backward passes. Parameter at index "
                               f"{index} has been marked as ready twice.")
        self.ready[index] = None
        bucket, k = self.place[index]
        np.multiply(param._grad._data, 1.0 / self.divisor, out=bucket.view(k), casting="same_kind")
        bucket.pending -= 1
        self._start_ready_buckets()
        for work in self.works:  # MPI moves the data of a started all-reduce only inside its own calls
            work.is_completed()

    def _start_ready_buckets(self) -> None:
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            self.works.append(dist.all_reduce(wrap(bucket.buffer), group=self.group, async_op=True))
            self.next_bucket += 1

    def finish(self) -> None:
        """End of backward: start what is left, wait for every bucket, write the averaged gradients back."""
        missing = [i for i in range(len(self.params)) if i not in self.ready]
        for i in missing:
            bucket, k = self.place[i]
            bucket.view(k)[...] = 0
            bucket.pending -= 1
        self._start_ready_buckets()
        used = None
        if self.find_unused:  # every rank, even one that used them all: MPI needs the same calls everywhere
            used = np.zeros(len(self.params), np.int32)
            used[list(self.ready)] = 1
            self.works.append(dist.all_reduce(wrap(used), group=self.group, async_op=True))
        for work in self.works:
            work.wait()
        for bucket in self.buckets:
            for k, i in enumerate(bucket.indices):
                param = bucket.params[k]
                if i in self.ready or (used is not None and used[i]):
                    self._write_back(param, bucket.view(k))
        self.unfinished = missing if missing and not self.find_unused else None
        if not self.rebuilt:
            self._rebuild(list(self.ready) + missing)
        self._reset()

    def _write_back(self, param, averaged: np.ndarray) -> None:
        grad = param._grad
        if self.as_bucket_view:
            if grad is None or grad._data is not averaged:
                param._grad = wrap(averaged)
        elif grad is None:
            param._grad = wrap(averaged.copy())
        else:
            grad._data[...] = averaged

    def shadow(self) -> None:
        """Join the all-reduces of a backward this rank does not run (its inputs ran out): zeros for every bucket."""
        for bucket in self.buckets:
            bucket.buffer[...] = 0
            dist.all_reduce(wrap(bucket.buffer), group=self.group)
        if self.find_unused:
            dist.all_reduce(wrap(np.zeros(len(self.params), np.int32)), group=self.group)
        if not self.rebuilt:
            self._rebuild([i for bucket in self.buckets for i in bucket.indices])

    def __del__(self) -> None:
        for handle in self.handles:
            handle.remove()
