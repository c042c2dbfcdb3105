"""ember's threads and the one knob over them, ``set_num_threads`` / ``get_num_threads``.

Three kinds of thread do a kernel's work, and ``set_num_threads(n)`` sizes all three:

* the compiled library's pool (``csrc/threadpool.c``), shared by the compiled conv and norm kernels;
* a Python pool that runs blocks of a NumPy kernel at once (``_over_blocks``): NumPy's loops, einsum and BLAS calls
  release the GIL, so blocks that write disjoint slices run in parallel on Python threads;
* NumPy's BLAS, which runs threads of its own inside a matrix product. threadpoolctl reads and sets them: it finds
  the BLAS library NumPy loaded (OpenBLAS, MKL, BLIS...) without ember knowing its file name or symbols.

By default ember runs NumPy's BLAS on one thread and splits work over the cores itself. OpenBLAS's idle threads spin
for a long time after each product; on a machine that is doing something else they take the cores ember's next op
needs, and a training loop of many small products slows down several times over. ember's own pools wait without
spinning (the Python pool) or spin only briefly (the compiled pool). A BLAS thread count the user chose before
starting (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``) or through ``set_num_threads`` is kept.
"""
from __future__ import annotations

import numbers
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from . import native

# (pid, workers, executor) of the Python pool; remade in a forked child and when set_num_threads changes its size
_pool: tuple[int, int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()
# set by set_num_threads; until then the compiled pool's own count (the same rule) or _default_threads()
_num_threads: int | None = None
# BLAS's thread count (None: no BLAS threadpoolctl knows), read once, then kept by set_num_threads
_blas_threads: int | None = None
_blas_read = False


def _default_threads() -> int:
    """The CPUs this process may run on, or fewer when ``OMP_NUM_THREADS`` says so (as PyTorch reads it)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "")
    return min(n, int(limit)) if limit.isdigit() and int(limit) > 0 else n


def get_num_threads() -> int:
    """The number of threads ember's ops split their work over (``torch.get_num_threads``)."""
    if _num_threads is not None:
        return _num_threads
    return native.lib.ember_pool_size() if native.lib is not None else _default_threads()


def set_num_threads(num_threads: int, /) -> None:
    """Sets the number of threads ember's ops use on the CPU (``torch.set_num_threads``): the compiled kernels'
    pool, the Python pool of the NumPy kernels and NumPy's BLAS threads."""
    global _num_threads, _blas_threads
    if isinstance(num_threads, bool) or not isinstance(num_threads, numbers.Integral):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num_threads).__name__}")
    if num_threads <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _num_threads = int(num_threads)
    if native.lib is not None:
        native.lib.ember_pool_set_size(_num_threads)
    if blas_threads() is not None:
        _blas_controller().limit(limits=_num_threads, user_api="blas")
        _blas_threads = _num_threads


def _blas_controller():
    # imported on first use: threadpoolctl scans the process's libraries, which `import ember` need not pay for
    import threadpoolctl

    return threadpoolctl.ThreadpoolController()


def blas_threads() -> int | None:
    """How many threads NumPy's BLAS runs a product on, or None when threadpoolctl finds no BLAS."""
    global _blas_threads, _blas_read
    if not _blas_read:
        counts = [lib["num_threads"] for lib in _blas_controller().select(user_api="blas").info()]
        _blas_threads = max(counts) if counts else None
        _blas_read = True
    return _blas_threads


def _blas_on_one_thread_unless_chosen() -> None:
    global _blas_threads
    if any(name in os.environ for name in _BLAS_THREAD_VARIABLES):
        return
    if blas_threads() not in (None, 1):
        _blas_controller().limit(limits=1, user_api="blas")
        _blas_threads = 1


_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def single_threaded_blas() -> bool:
    """Whether BLAS is known to run on one thread (e.g. ``OPENBLAS_NUM_THREADS=1``) while ember may use several:
    then an op may split its batch over threads itself without its halves' BLAS threads fighting for the cores."""
    return get_num_threads() >= 2 and blas_threads() == 1


def _executor() -> ThreadPoolExecutor:
    """The Python pool: one worker fewer than ``get_num_threads()`` (the calling thread takes a block itself).

    A pool of the wrong size is replaced, not shut down: another thread may still be submitting to it, and its idle
    workers exit once it is collected."""
    global _pool
    workers = max(1, get_num_threads() - 1)
    pool = _pool
    if pool is None or pool[0] != os.getpid() or pool[1] != workers:
        with _pool_lock:
            pool = _pool
            if pool is None or pool[0] != os.getpid() or pool[1] != workers:
                pool = _pool = (os.getpid(), workers, ThreadPoolExecutor(workers, thread_name_prefix="ember"))
    return pool[2]


def _over_blocks(fn: Callable[[int, slice], None], items: int, blocks: int) -> None:
    """Call ``fn(i, slice)`` for ``blocks`` slices covering ``range(items)``, on the Python pool when more than one.

    Every block must write disjoint slices (or its own row ``i`` of a partial-sum array).
    """
    if blocks < 2:
        fn(0, slice(0, items))
        return
    executor = _executor()
    bounds = [items * i // blocks for i in range(blocks + 1)]
    # the calling thread takes the first block itself: one thread wake-up fewer
    futures = [executor.submit(fn, i, slice(bounds[i], bounds[i + 1])) for i in range(1, blocks)]
    fn(0, slice(bounds[0], bounds[1]))
    for future in futures:
        future.result()


def beside(fn: Callable[[], object]) -> Callable[[], object]:
    """Start ``fn()`` on the Python pool, beside the caller, when ember has a second thread and BLAS runs on one
    (see ``single_threaded_blas``); otherwise run it now. Returns a function that gives ``fn``'s result: it waits
    for ``fn`` if ``fn`` is running, and runs it on the calling thread if no worker has taken it yet, so a caller
    that catches up with its pool never idles. For work a kernel overlaps with its own (GEMMs beside a loop)."""
    if not single_threaded_blas():
        result = fn()
        return lambda: result
    future = _executor().submit(fn)
    return lambda: fn() if future.cancel() else future.result()


_blas_on_one_thread_unless_chosen()
