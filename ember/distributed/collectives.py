"""Collectives and point-to-point messages of ``torch.distributed``, run by MPI on the tensors' NumPy buffers.

Every operation starts MPI's non-blocking form (``Iallreduce``, ``Ibcast``...) on the tensor's own array, so the
data moves without copies when the tensor is contiguous (a non-contiguous one goes through a contiguous copy that
is written back). ``async_op=True`` returns the :class:`Work`; otherwise the call waits for it. Lists of tensors are
packed into one contiguous buffer, so a list costs one MPI call.

Ranks: ``src``/``dst`` are global ranks, ``group_src``/``group_dst`` ranks within ``group``, as in PyTorch.
"""
from __future__ import annotations

import enum
import time
from datetime import timedelta
from typing import Any, Callable

import numpy as np

from . import _mpi
from .process_group import GroupMember, ProcessGroup, _group
from .._dtype import is_floating

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce",
           "all_to_all", "all_to_all_single", "barrier", "broadcast", "broadcast_object_list", "gather",
           "gather_object", "irecv", "isend", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter",
           "scatter_object_list", "send"]


class ReduceOp:
    """The reductions of ``all_reduce``, ``reduce`` and ``reduce_scatter`` (``ReduceOp.SUM``...).

    ``AVG`` is MPI's sum divided by the group's size (in the tensor's dtype: integers are truncated).
    """

    class RedOpType(enum.IntEnum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


_MPI_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD", ReduceOp.MIN: "MIN",
            ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND", ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR"}
# MPI reduces booleans only with logical ops: a sum or maximum of flags is "any", a product or minimum "all"
_BOOL_OPS = {ReduceOp.SUM: "LOR", ReduceOp.PRODUCT: "LAND", ReduceOp.MIN: "LAND", ReduceOp.MAX: "LOR",
             ReduceOp.BAND: "LAND", ReduceOp.BOR: "LOR", ReduceOp.BXOR: "LXOR"}


def _mpi_op(op, dtype: np.dtype):
    try:
        return getattr(_mpi.mpi(), (_BOOL_OPS if dtype == np.bool_ else _MPI_OPS)[op])
    except (KeyError, TypeError):
        raise ValueError(f"ember.distributed does not support reduce op {op!r} on {dtype}") from None


# how long a wait polls MPI without sleeping: most waits end sooner, and a sleep on a busy machine can cost a
# whole scheduler time slice
_SPIN_S = 0.005


class Work:
    """A running operation: ``wait()`` blocks until it is done (then its results are in the tensors),
    ``is_completed()`` asks without blocking.

    Waiting polls MPI until the group's timeout (``init_process_group(timeout=...)``) and then raises, so a rank
    whose peer stopped taking part fails instead of hanging (and the excepthook ends the job).
    """

    def __init__(self, requests: list, finish: Callable[[], None] | None = None, timeout: timedelta | None = None,
                 keep: tuple = (), statuses: list | None = None) -> None:
        self._requests = requests
        self._statuses = statuses
        self._finish = finish
        self._timeout = timeout
        self._keep = keep  # the buffers MPI reads or writes: alive until the operation ends
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
        self._requests = self._keep = self._finish = None

    def is_completed(self) -> bool:
        """Whether the operation is done; asking also lets MPI progress it (MPI moves data only inside its calls)."""
        if not self._done and _mpi.mpi().Request.Testall(self._requests, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation completes; raise RuntimeError once ``timeout`` (the group's by default) has
        passed."""
        if self._done:
            return True
        test = _mpi.mpi().Request.Testall
        if not test(self._requests, self._statuses):
            limit = timeout or self._timeout
            now = time.monotonic()
            deadline = now + (limit.total_seconds() if limit is not None else float("inf"))
            spin_until, pause = now + _SPIN_S, 0.0
            while not test(self._requests, self._statuses):
                now = time.monotonic()
                if now > deadline:
                    raise RuntimeError(f"ember.distributed: an operation timed out after {limit}: another rank did "
                                       "not take part in it (it stopped, or called a different collective)")
                if now > spin_until:  # a long wait: stop spinning, the core may serve the rank waited for
                    time.sleep(pause)
                    pause = min(pause * 2 or 1e-5, 1e-3)
        self._complete()
        return True


def _run(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _contiguous(t) -> np.ndarray:
    """The array MPI works on: ``t``'s own when contiguous (no copy), a contiguous copy otherwise."""
    arr = t._data
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def _store(t, buf: np.ndarray) -> None:
    """Make ``buf``'s contents ``t``'s (already so when MPI wrote in place) and count the in-place write."""
    if buf is not t._data:
        t._data[...] = buf.reshape(t._data.shape)
    t._version_counter[0] += 1


def _packed(tensors: list) -> np.ndarray:
    return np.concatenate([t._data.reshape(-1) for t in tensors])


def _unpack(tensors: list, buf: np.ndarray) -> None:
    start = 0
    for t in tensors:
        n = t._data.size
        t._data[...] = buf[start:start + n].reshape(t._data.shape)
        t._version_counter[0] += 1
        start += n


def _member(group: ProcessGroup | None) -> ProcessGroup | None:
    """The group to run on, or None when this process is not in it (the call then does nothing, as in PyTorch)."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return None
    return _group(group)


def _group_rank(pg: ProcessGroup, rank: int | None, group_rank: int | None) -> int:
    if group_rank is not None:
        if rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        return group_rank
    if rank is None:
        return 0
    if rank not in pg._ranks:
        raise ValueError(f"Global rank {rank} is not part of group {pg}")
    return pg._ranks.index(rank)


def _divide(arr: np.ndarray, n: int) -> None:
    if is_floating(arr.dtype):
        arr /= n
    else:
        np.floor_divide(arr, n, out=arr)


def all_reduce(tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over the group in place: every rank ends with the result."""
    pg = _member(group)
    if pg is None:
        return None
    buf = _contiguous(tensor)
    request = pg._comm.Iallreduce(_mpi.mpi().IN_PLACE, buf, _mpi_op(op, buf.dtype))

    def finish() -> None:
        if op == ReduceOp.AVG:
            _divide(buf, pg.size())
        _store(tensor, buf)

    return _run(Work([request], finish, timeout=pg.timeout, keep=(buf,)), async_op)


def broadcast(tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy ``src``'s ``tensor`` into every rank's ``tensor``."""
    pg = _member(group)
    if pg is None:
        return None
    buf = _contiguous(tensor)
    request = pg._comm.Ibcast(buf, root=_group_rank(pg, src, group_src))
    return _run(Work([request], lambda: _store(tensor, buf), timeout=pg.timeout, keep=(buf,)), async_op)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over the group into ``dst``'s ``tensor`` (the others' are left as they were)."""
    pg = _member(group)
    if pg is None:
        return None
    root = _group_rank(pg, dst, group_dst)
    buf = _contiguous(tensor)
    mpi = _mpi.mpi()
    if pg.rank() == root:
        request = pg._comm.Ireduce(mpi.IN_PLACE, buf, _mpi_op(op, buf.dtype), root=root)
    else:
        request = pg._comm.Ireduce(buf, None, _mpi_op(op, buf.dtype), root=root)

    def finish() -> None:
        if pg.rank() == root:
            if op == ReduceOp.AVG:
                _divide(buf, pg.size())
            _store(tensor, buf)

    return _run(Work([request], finish, timeout=pg.timeout, keep=(buf,)), async_op)


def all_gather(tensor_list: list, tensor, group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[i]`` with rank i's ``tensor``."""
    pg = _member(group)
    if pg is None:
        return None
    send = _contiguous(tensor)
    recv = np.empty(pg.size() * send.size, send.dtype)
    request = pg._comm.Iallgather(send, recv)
    return _run(Work([request], lambda: _unpack(tensor_list, recv), timeout=pg.timeout, keep=(send, recv)), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Gather every rank's ``input_tensor`` into ``output_tensor`` (concatenated or stacked along dim 0)."""
    pg = _member(group)
    if pg is None:
        return None
    send = _contiguous(input_tensor)
    recv = _contiguous(output_tensor)
    request = pg._comm.Iallgather(send, recv)
    return _run(Work([request], lambda: _store(output_tensor, recv), timeout=pg.timeout, keep=(send, recv)), async_op)


def gather(tensor, gather_list: list | None = None, dst: int | None = None, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Collect every rank's ``tensor`` into ``dst``'s ``gather_list``."""
    pg = _member(group)
    if pg is None:
        return None
    root = _group_rank(pg, dst, group_dst)
    if pg.rank() == root and not gather_list:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if pg.rank() != root and gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    send = _contiguous(tensor)
    recv = np.empty(pg.size() * send.size, send.dtype) if pg.rank() == root else None
    request = pg._comm.Igather(send, recv, root=root)

    def finish() -> None:
        if recv is not None:
            _unpack(gather_list, recv)

    return _run(Work([request], finish, timeout=pg.timeout, keep=(send, recv)), async_op)


def scatter(tensor, scatter_list: list | None = None, src: int | None = None, group: ProcessGroup | None = None,
            async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Send ``scatter_list[i]`` of ``src`` to rank i's ``tensor``."""
    pg = _member(group)
    if pg is None:
        return None
    root = _group_rank(pg, src, group_src)
    if pg.rank() == root and not scatter_list:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    if pg.rank() != root and scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    send = _packed(scatter_list) if pg.rank() == root else None
    recv = _contiguous(tensor)
    request = pg._comm.Iscatter(send, recv, root=root)
    return _run(Work([request], lambda: _store(tensor, recv), timeout=pg.timeout, keep=(send, recv)), async_op)


def reduce_scatter(output, input_list: list, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False) -> Work | None:
    """Reduce ``input_list[i]`` over the group into rank i's ``output``."""
    pg = _member(group)
    if pg is None:
        return None
    return _reduce_scatter(pg, output, _packed(input_list), op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Reduce ``input`` (the group's size times ``output``, along dim 0) and give rank i the i-th part."""
    pg = _member(group)
    if pg is None:
        return None
    return _reduce_scatter(pg, output, _contiguous(input), op, async_op)


def _reduce_scatter(pg: ProcessGroup, output, send: np.ndarray, op, async_op: bool) -> Work | None:
    recv = _contiguous(output)
    request = pg._comm.Ireduce_scatter_block(send, recv, _mpi_op(op, recv.dtype))

    def finish() -> None:
        if op == ReduceOp.AVG:
            _divide(recv, pg.size())
        _store(output, recv)

    return _run(Work([request], finish, timeout=pg.timeout, keep=(send, recv)), async_op)


def _alltoallv(pg: ProcessGroup, send: np.ndarray, send_counts: list, recv: np.ndarray, recv_counts: list,
               finish: Callable, async_op: bool) -> Work | None:
    send_displs = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(int).tolist()
    recv_displs = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(int).tolist()
    request = pg._comm.Ialltoallv([send, (send_counts, send_displs)], [recv, (recv_counts, recv_displs)])
    return _run(Work([request], finish, timeout=pg.timeout, keep=(send, recv)), async_op)


def all_to_all(output_tensor_list: list, input_tensor_list: list, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Send ``input_tensor_list[i]`` to rank i; receive rank i's into ``output_tensor_list[i]``."""
    pg = _member(group)
    if pg is None:
        return None
    send = _packed(input_tensor_list)
    recv = np.empty(sum(t._data.size for t in output_tensor_list), send.dtype)
    return _alltoallv(pg, send, [t._data.size for t in input_tensor_list], recv,
                      [t._data.size for t in output_tensor_list], lambda: _unpack(output_tensor_list, recv), async_op)


def all_to_all_single(output, input, output_split_sizes: list | None = None, input_split_sizes: list | None = None,
                      group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Split ``input`` along dim 0 (equally, or by ``input_split_sizes``), send part i to rank i, and concatenate
    the parts received into ``output``."""
    pg = _member(group)
    if pg is None:
        return None
    n = pg.size()
    send, recv = _contiguous(input), _contiguous(output)
    in_row = send[0].size if send.ndim and send.shape[0] else 0
    out_row = recv[0].size if recv.ndim and recv.shape[0] else 0
    in_splits = input_split_sizes or [send.shape[0] // n] * n
    out_splits = output_split_sizes or [recv.shape[0] // n] * n
    return _alltoallv(pg, send, [s * in_row for s in in_splits], recv, [s * out_row for s in out_splits],
                      lambda: _store(output, recv), async_op)


def _peer(pg: ProcessGroup, rank: int | None, group_rank: int | None, kind: str) -> int:
    peer = _group_rank(pg, rank, group_rank)
    if peer == pg.rank():
        raise ValueError(f"Invalid {kind} rank: {kind} rank should not be the same as the rank of the current "
                         "process.")
    return peer


def isend(tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to ``dst``; the returned Work completes once the buffer may be reused."""
    pg = _member(group)
    if pg is None:
        return None
    buf = _contiguous(tensor)
    request = pg._comm.Isend(buf, dest=_peer(pg, dst, group_dst, "destination"), tag=tag)
    return Work([request], timeout=pg.timeout, keep=(buf,))


def irecv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from ``src`` (any rank when None)."""
    pg = _member(group)
    if pg is None:
        return None
    mpi = _mpi.mpi()
    source = mpi.ANY_SOURCE if src is None and group_src is None else _peer(pg, src, group_src, "source")
    buf = _contiguous(tensor)
    request = pg._comm.Irecv(buf, source=source, tag=tag)
    return Work([request], lambda: _store(tensor, buf), timeout=pg.timeout, keep=(buf,))


def send(tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to ``dst`` (blocks until the buffer may be reused)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from ``src`` (any rank when None); returns the sender's global rank."""
    pg = _member(group)
    if pg is None:
        return -1
    mpi = _mpi.mpi()
    source = mpi.ANY_SOURCE if src is None and group_src is None else _peer(pg, src, group_src, "source")
    buf = _contiguous(tensor)
    status = mpi.Status()
    request = pg._comm.Irecv(buf, source=source, tag=tag)
    Work([request], lambda: _store(tensor, buf), timeout=pg.timeout, keep=(buf,), statuses=[status]).wait()
    return pg._ranks[status.Get_source()]


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None,
            timeout: timedelta | None = None) -> Work | None:
    """Wait until every rank of the group has reached it."""
    pg = _member(group)
    if pg is None:
        return None
    work = Work([pg._comm.Ibarrier()], timeout=timeout or pg.timeout)
    if async_op:
        return work
    work.wait(timeout)
    return None


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None, device=None,
                          group_src: int | None = None) -> None:
    """Replace the items of every rank's ``object_list`` with ``src``'s (pickled)."""
    pg = _member(group)
    if pg is not None:
        object_list[:] = pg._comm.bcast(list(object_list), root=_group_rank(pg, src, group_src))


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list[i]`` with rank i's ``obj`` (pickled)."""
    pg = _member(group)
    if pg is not None:
        object_list[:] = pg._comm.allgather(obj)


def gather_object(obj: Any, object_gather_list: list | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Collect every rank's ``obj`` into ``dst``'s ``object_gather_list``."""
    pg = _member(group)
    if pg is None:
        return
    gathered = pg._comm.gather(obj, root=_group_rank(pg, dst, group_dst))
    if gathered is not None:
        object_gather_list[:] = gathered


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """Give rank i ``src``'s ``scatter_object_input_list[i]`` as ``scatter_object_output_list[0]``."""
    pg = _member(group)
    if pg is not None:
        root = _group_rank(pg, src, group_src)
        items = scatter_object_input_list if pg.rank() == root else None
        scatter_object_output_list[0] = pg._comm.scatter(items, root=root)
