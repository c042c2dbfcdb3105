"""Process groups over MPI: the default (world) group, sub-groups, and the rank queries of ``torch.distributed``.

A group wraps an MPI communicator duplicated from ``COMM_WORLD``, so ember's traffic never mixes with the user's
own mpi4py messages. Whatever the launcher (``mpiexec``, ``python -m ember.distributed.run``, or none: a world of
one), MPI decides the ranks; the ``RANK``/``WORLD_SIZE`` a launcher exports are checked against it.

A rank that dies must not leave the others waiting forever in a collective: ``init_process_group`` installs an
excepthook that prints the traceback and calls ``MPI_Abort``, and ``mpiexec`` then ends every rank.
"""
from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from datetime import timedelta

from . import _mpi

__all__ = ["Backend", "GroupMember", "ProcessGroup", "destroy_process_group", "get_backend", "get_global_rank",
           "get_process_group_ranks", "get_rank", "get_world_size", "init_process_group", "is_initialized",
           "is_mpi_available", "new_group"]

default_pg_timeout = timedelta(minutes=30)
_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
# backends PyTorch scripts ask for: each runs on MPI here
_OTHER_BACKENDS = ("gloo", "nccl", "ucc", "cpu:gloo,cuda:nccl", "cuda:nccl,cpu:gloo")


class Backend(str):
    """A backend name (``Backend.MPI == "mpi"``); ember has only MPI, which also serves the other names."""

    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"


class ProcessGroup:
    """A set of ranks that run collectives together (one MPI communicator).

    ``comm`` is None on a process that is not a member (``new_group`` is called by every rank).
    """

    def __init__(self, comm, ranks: list[int], timeout: timedelta) -> None:
        self._comm = comm
        self._ranks = ranks
        self.timeout = timeout

    def rank(self) -> int:
        """This process's rank within the group (-1 when it is not a member)."""
        return self._comm.Get_rank() if self._comm is not None else -1

    def size(self) -> int:
        return len(self._ranks)

    def name(self) -> str:
        return Backend.MPI

    def __repr__(self) -> str:
        return f"ProcessGroup(backend=mpi, ranks={self._ranks})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group (None before ``init_process_group``)."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


_groups: list[ProcessGroup] = []
# before MPI_Abort: time for mpiexec to forward the traceback, which it drops once it ends the job
_FORWARD_S = 0.2
_previous_excepthook = None


def is_mpi_available() -> bool:
    return _mpi.available()


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return GroupMember.WORLD is not None


def _world() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return GroupMember.WORLD


def _group(group: ProcessGroup | None) -> ProcessGroup:
    return _world() if group is None else group


def _check_backend(backend: str | None) -> None:
    if backend is None or str(backend).lower() == Backend.MPI:
        return
    if str(backend).lower() in _OTHER_BACKENDS:
        warnings.warn(f"ember.distributed runs every backend on MPI: backend {backend!r} uses MPI", stacklevel=3)
        return
    raise ValueError(f"Invalid backend: '{backend}'")


def _check_launch(world_size: int, rank: int, size: int, me: int) -> None:
    """Refuse a world size or rank (given, or exported by a launcher) that MPI's world contradicts."""
    env_size, env_rank = os.environ.get("WORLD_SIZE"), os.environ.get("RANK")
    wanted_size = world_size if world_size != -1 else int(env_size) if env_size else size
    wanted_rank = rank if rank != -1 else int(env_rank) if env_rank else me
    if wanted_size != size or wanted_rank != me:
        raise ValueError(f"this process was started as rank {me} of an MPI world of {size}, but world_size "
                         f"{wanted_size} and rank {wanted_rank} were asked for; start the ranks with mpiexec -n "
                         f"{wanted_size} or python -m ember.distributed.run --nproc-per-node {wanted_size}")


def _abort_on_uncaught(exc_type, exc, tb) -> None:
    """Print the traceback, then end every rank: the others would otherwise wait for this one forever."""
    if _previous_excepthook is sys.__excepthook__:  # in one write, so no part of it is cut off by the abort
        sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))
    else:
        _previous_excepthook(exc_type, exc, tb)
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(_FORWARD_S)
    _mpi.mpi().COMM_WORLD.Abort(1)


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the MPI world started by the launcher (a world of one without one) as the default process group.

    ``init_method``, ``store`` and the master address are not needed: MPI's launcher connects the ranks.
    """
    global _previous_excepthook
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    _check_backend(backend)
    world = _mpi.mpi().COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    _check_launch(world_size, rank, size, me)
    GroupMember.WORLD = ProcessGroup(world.Dup(), list(range(size)), timeout or default_pg_timeout)
    _groups.append(GroupMember.WORLD)
    if size > 1 and _previous_excepthook is None:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free ``group``; without one, every group and the default one (``init_process_group`` may run again)."""
    global _previous_excepthook
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    pg = GroupMember.WORLD if group is None else group
    if pg is None:
        raise AssertionError("Process group cannot be None")
    if pg not in _groups:
        raise ValueError("Invalid process group specified")
    doomed = list(_groups) if pg is GroupMember.WORLD else [pg]
    for g in doomed:
        if g._comm is not None:
            g._comm.Free()
            g._comm = None
        _groups.remove(g)
    if pg is GroupMember.WORLD:
        GroupMember.WORLD = None
        if _previous_excepthook is not None:
            sys.excepthook = _previous_excepthook
            _previous_excepthook = None


def new_group(ranks: list[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options=None, use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id=None) -> ProcessGroup | int:
    """A group of the given global ranks (all of them by default); every rank of the world must call it.

    A rank outside ``ranks`` gets ``GroupMember.NON_GROUP_MEMBER``, as in PyTorch.
    """
    world = _world()
    _check_backend(backend)
    size = world.size()
    ranks = sorted(ranks) if ranks is not None else list(range(size))
    for r in ranks:
        if not 0 <= r < size:
            raise ValueError(f"The new group's rank should be within the world_size set by init_process_group, "
                             f"got rank {r} and world size {size}")
    mpi = _mpi.mpi()
    members = world._comm.Get_group().Incl(ranks)
    comm = world._comm.Create(members)
    members.Free()
    if comm == mpi.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, timeout or world.timeout)
    _groups.append(pg)
    return pg


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the world by default); -1 when it is not a member."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """``"mpi"``: every group runs on MPI."""
    pg = _group(group)
    if pg._comm is None:
        raise ValueError("Invalid process group specified")
    return Backend.MPI


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_group(group)._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    ranks = _group(group)._ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return ranks[group_rank]
