"""``ember.distributed``: ``torch.distributed``'s process groups and collectives, run by MPI (mpi4py).

Start the ranks with ``python -m ember.distributed.run --nproc-per-node N script.py`` (torchrun's flags) or plain
``mpiexec -n N python script.py``; a script started alone is a world of one. mpi4py is imported only when a process
group is initialised or a collective runs, so ``import ember`` stays fast.
"""
from __future__ import annotations

from . import _mpi
from .collectives import (ReduceOp, Work, all_gather, all_gather_into_tensor, all_gather_object, all_reduce,
                          all_to_all, all_to_all_single, barrier, broadcast, broadcast_object_list, gather,
                          gather_object, irecv, isend, recv, reduce, reduce_scatter, reduce_scatter_tensor, scatter,
                          scatter_object_list, send)
from .process_group import (Backend, GroupMember, ProcessGroup, default_pg_timeout, destroy_process_group,
                            get_backend, get_global_rank, get_process_group_ranks, get_rank, get_world_size,
                            init_process_group, is_initialized, is_mpi_available, new_group)

group = GroupMember

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "all_reduce", "all_to_all", "all_to_all_single", "barrier", "broadcast",
           "broadcast_object_list", "default_pg_timeout", "destroy_process_group", "gather", "gather_object",
           "get_backend", "get_global_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized", "is_mpi_available",
           "is_nccl_available", "isend", "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor",
           "scatter", "scatter_object_list", "send"]


def is_available() -> bool:
    """Whether ember can run distributed: mpi4py (with an MPI library) is installed."""
    return _mpi.available()


def is_gloo_available() -> bool:
    """False: ember has no Gloo; the name ``"gloo"`` runs on MPI."""
    return False


def is_nccl_available() -> bool:
    return False
