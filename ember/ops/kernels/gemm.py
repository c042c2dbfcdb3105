"""Matrix products split over ember's threads.

ember runs NumPy's BLAS on one thread (see ``threads``), so a large product would leave the other cores idle. Here
a product big enough to pay for a thread hand-off is cut into bands of output rows (or, for a product with few
rows, of output columns; for a batch of products, of the batch), one per thread, each an ordinary BLAS call on the
Python pool (BLAS releases the GIL).
Each output element is still one BLAS dot product over the whole inner dimension: the bands give the same values as
the whole product.
"""
from __future__ import annotations

import numpy as np

from .threads import _over_blocks, get_num_threads, single_threaded_blas

# multiply-adds below which one thread is faster than a hand-off to the pool (~8 MFLOP, some 80 us of BLAS)
_SPLIT_MACS = 1 << 22


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.dot(a, b)`` of 2-D arrays, on several threads when it is large and BLAS runs on one."""
    m, k = a.shape
    n = b.shape[1]
    if m * n * k < _SPLIT_MACS or not single_threaded_blas():
        return np.dot(a, b)
    blocks = get_num_threads()
    out = np.empty((m, n), dtype=np.result_type(a, b))
    if m >= 8 * blocks:
        _over_blocks(lambda i, rows: np.dot(a[rows], b, out=out[rows]), m, blocks)
    else:
        _over_blocks(lambda i, cols: np.matmul(a, b[:, cols], out=out[:, cols]), n, blocks)
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; a product of two matrices or two equal batches of matrices on several threads when it is large
    and BLAS runs on one."""
    if a.ndim == 2 and b.ndim == 2:
        return dot(a, b)
    if (a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[0] < 2
            or a.size * b.shape[2] < _SPLIT_MACS or not single_threaded_blas()):
        return a @ b
    out = np.empty(a.shape[:2] + b.shape[2:], dtype=np.result_type(a, b))
    _over_blocks(lambda i, batch: np.matmul(a[batch], b[batch], out=out[batch]), a.shape[0], get_num_threads())
    return out
