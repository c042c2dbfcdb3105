"""``DistributedDataParallel``: one model replica per rank, gradients averaged over the ranks by MPI.

At construction rank 0's parameters and buffers are broadcast, so every replica starts equal. Each training
forward broadcasts rank 0's buffers (``broadcast_buffers``); backward all-reduces the gradients in buckets while it
runs (``_reducer.Reducer``), so after ``loss.backward()`` every rank holds the same averaged gradients and the
optimizers take the same step. The wrapped module is the child ``module``: state_dict keys gain ``module.``.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from ... import distributed as dist
from ..._tensor import wrap
from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module
from ._reducer import UNFINISHED_REDUCTION, Reducer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data-parallel training over the ranks of ``process_group`` (the world by default).

    ``device_ids``, ``output_device``, ``dim``, ``check_reduction`` and ``static_graph`` are accepted for
    compatibility (ember runs on the CPU; the graph is found again at every backward).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool | None = None, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 **kwargs: Any) -> None:
        super().__init__()
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self.module = module
        self.device_ids = None
        self.process_group = process_group
        self.broadcast_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._joining, self._join_steps = False, 0
        if init_sync:
            self._broadcast([t for t in module.parameters()] + self._module_buffers())
        self.reducer = Reducer(params, process_group, self.bucket_bytes_cap, find_unused_parameters,
                               gradient_as_bucket_view)

    def _module_buffers(self) -> list:
        return [b for b in self.module.buffers()]

    def _broadcast(self, tensors: list) -> None:
        """Copy rank 0's ``tensors`` to every rank (all started at once, then waited for)."""
        works = [dist.broadcast(t.detach(), group=self.process_group, async_op=True, group_src=0) for t in tensors]
        for work in works:
            if work is not None:
                work.wait()

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        unfinished = self.reducer.unfinished
        if unfinished:
            self.reducer.unfinished = None
            raise RuntimeError(UNFINISHED_REDUCTION.format(rank=dist.get_rank(self.process_group),
                                                           indices=" ".join(map(str, unfinished))))
        self.require_forward_param_sync = is_grad_enabled() and self.require_backward_grad_sync
        if self.require_forward_param_sync:
            if self._joining:
                active = wrap(np.ones(1, np.int64))
                dist.all_reduce(active, group=self.process_group)
                self._join_steps += 1
            self._sync_buffers()
        return self.module(*inputs, **kwargs)

    def _sync_buffers(self) -> None:
        if self.broadcast_buffers:
            buffers = self._module_buffers()
            if buffers:
                self._broadcast(buffers)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside only accumulate gradients locally; the first one after it averages the sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = self.reducer.enabled = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = self.reducer.enabled = old

    @contextmanager
    def join(self, divide_by_initial_world_size: bool = True, enable: bool = True,
             throw_on_early_termination: bool = False) -> Iterator[None]:
        """Train on uneven inputs: a rank whose data ran out leaves the ``with`` body and, until every rank has,
        takes part in the others' all-reduces with zero gradients (they are still divided by the world size).

        Only the default ``divide_by_initial_world_size=True`` is supported.
        """
        if not divide_by_initial_world_size:
            raise NotImplementedError("ember's DistributedDataParallel.join divides by the initial world size only")
        if not enable:
            yield
            return
        self._joining, self._join_steps = True, 0
        try:
            yield
            while True:
                active = wrap(np.zeros(1, np.int64))
                dist.all_reduce(active, group=self.process_group)
                if int(active._data[0]) == 0:
                    break
                self._sync_buffers()
                self.reducer.shadow()
            self._sync_final_model()
        finally:
            self._joining = False

    def _sync_final_model(self) -> None:
        """The ranks that ran out skipped the last optimizer steps: copy the model of the rank that trained
        longest (the highest rank among those) to every rank."""
        size = dist.get_world_size(self.process_group)
        key = wrap(np.array([self._join_steps * size + dist.get_rank(self.process_group)], np.int64))
        dist.all_reduce(key, op=dist.ReduceOp.MAX, group=self.process_group)
        source = int(key._data[0]) % size
        tensors = list(self.module.parameters()) + self._module_buffers()
        works = [dist.broadcast(t.detach(), group=self.process_group, async_op=True, group_src=source)
                 for t in tensors]
        for work in works:
            work.wait()
