"""``ember.multiprocessing``: Python's ``multiprocessing`` plus ``spawn``, which starts ranks with MPI.

As in ``torch.multiprocessing``, the standard library's names are available here; ``spawn(fn, args, nprocs)``
runs ``fn(i, *args)`` in ``nprocs`` processes that form one MPI world, so ``fn`` may call
``ember.distributed.init_process_group``.
"""
from multiprocessing import (Event, Lock, Manager, Pool, Process, Queue, cpu_count, get_all_start_methods,
                             get_context, get_start_method, set_start_method)

from .spawn import ProcessContext, ProcessExitedException, ProcessRaisedException, spawn, start_processes

__all__ = ["Event", "Lock", "Manager", "Pool", "Process", "ProcessContext", "ProcessExitedException",
           "ProcessRaisedException", "Queue", "cpu_count", "get_all_start_methods", "get_context",
           "get_start_method", "set_start_method", "spawn", "start_processes"]
