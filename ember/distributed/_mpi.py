"""The one door to MPI: mpi4py is imported here, on first use, so ``import ember`` never starts MPI.

Importing ``mpi4py.MPI`` initialises MPI (a world of one when no launcher started the process), which costs time
and may touch the network stack; ember does it only when a process group is initialised or a collective runs.
"""
from __future__ import annotations

import importlib.util

_MPI = None


def available() -> bool:
    """Whether mpi4py can be imported (without importing it, so MPI is not initialised by asking)."""
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """The ``mpi4py.MPI`` module, imported (and MPI initialised) on the first call."""
    global _MPI
    if _MPI is None:
        if not available():
            raise RuntimeError("ember.distributed needs mpi4py and an MPI library: pip install mpi4py mpich")
        from mpi4py import MPI  # deferred: importing it initialises MPI

        _MPI = MPI
    return _MPI
