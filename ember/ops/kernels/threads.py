"""Running an op's work on worker threads: the shared pool, how many threads NumPy's BLAS runs itself, and
``set_num_threads`` / ``get_num_threads``, the one knob over all of them.

NumPy's loops, einsum and BLAS calls release the GIL, so blocks of a batch that write disjoint slices run in
parallel on Python threads.
"""
from __future__ import annotations

import ctypes
import glob
import numbers
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from . import native as _native

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


def _find_openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of the thread count of the OpenBLAS that NumPy's wheel bundles, or None when there is none
    (another BLAS, or a NumPy built against the system's)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in sorted(glob.glob(libs)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"),
                               ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                put.restype, put.argtypes = None, [ctypes.c_int]
                return get, put
    return None


_openblas = _find_openblas()


def _default_threads() -> int:
    """The CPUs this process may run on, or fewer when ``OMP_NUM_THREADS`` says so (as PyTorch reads it)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "")
    return min(n, int(limit)) if limit.isdigit() and int(limit) > 0 else n


# set by set_num_threads; until then the compiled pool's own count (the same rule) or _default_threads()
_num_threads: int | None = None


def get_num_threads() -> int:
    """The number of threads ember's ops split their work over (``torch.get_num_threads``)."""
    if _num_threads is not None:
        return _num_threads
    return _native.lib.ember_pool_size() if _native.lib is not None else _default_threads()


def set_num_threads(num_threads: int, /) -> None:
    """Sets the number of threads ember's ops use on the CPU (``torch.set_num_threads``): the compiled kernels'
    pool, the blocks NumPy kernels split a batch into, and NumPy's own BLAS (OpenBLAS) threads."""
    global _num_threads
    if isinstance(num_threads, bool) or not isinstance(num_threads, numbers.Integral):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num_threads).__name__}")
    if num_threads <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _num_threads = int(num_threads)
    if _native.lib is not None:
        _native.lib.ember_pool_set_size(_num_threads)
    if _openblas is not None:
        _openblas[1](_num_threads)


def single_threaded_blas() -> bool:
    """Whether BLAS is known to run on one thread (e.g. ``OPENBLAS_NUM_THREADS=1``) while ember may use several:
    then an op may split its batch over threads itself without its halves' BLAS threads fighting for the cores."""
    return _openblas is not None and get_num_threads() >= 2 and _openblas[0]() == 1
