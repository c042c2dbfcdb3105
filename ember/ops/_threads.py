"""Running an op's work on worker threads: the shared pool, and how many threads NumPy's BLAS runs itself.

NumPy's loops, einsum and BLAS calls release the GIL, so blocks of a batch that write disjoint slices run in
parallel on Python threads.
"""
from __future__ import annotations

import ctypes
import glob
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

_executor: tuple | None = None  # (pid, ThreadPoolExecutor), remade in a forked child


def _over_blocks(fn: Callable[[int, slice], None], items: int, blocks: int) -> None:
    """Call ``fn(i, slice)`` for ``blocks`` slices covering ``range(items)``, on worker threads when more than one.

    Every block must write disjoint slices (or its own row ``i`` of a partial-sum array).
    """
    global _executor
    if blocks < 2:
        fn(0, slice(0, items))
        return
    if _executor is None or _executor[0] != os.getpid():
        _executor = (os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="ember"))
    bounds = [items * i // blocks for i in range(blocks + 1)]
    # the calling thread takes the first block itself: one thread wake-up fewer
    futures = [_executor[1].submit(fn, i, slice(bounds[i], bounds[i + 1])) for i in range(1, blocks)]
    fn(0, slice(bounds[0], bounds[1]))
    for future in futures:
        future.result()


def _find_blas_thread_count() -> Callable[[], int] | None:
    """OpenBLAS's ``openblas_get_num_threads`` from the library NumPy's wheel bundles, or None when there is none
    (another BLAS, or a NumPy built against the system's)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in sorted(glob.glob(libs)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype, fn.argtypes = ctypes.c_int, []
                return fn
    return None


_blas_threads = _find_blas_thread_count()


def single_threaded_blas() -> bool:
    """Whether BLAS is known to run on one thread (e.g. ``OPENBLAS_NUM_THREADS=1``) on a machine of several cores:
    then an op may split its batch over threads itself without its halves' BLAS threads fighting for the cores."""
    return _blas_threads is not None and (os.cpu_count() or 1) >= 2 and _blas_threads() == 1
