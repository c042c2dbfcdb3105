"""Matrix products split over ember's threads.

ember runs NumPy's BLAS on one thread (see ``threads``), so a large product would leave the other cores idle. Here
a product big enough to pay for a thread hand-off is cut into bands of output rows (or, for a product with few
rows, of output columns; for a batch of products, of the batch), one per thread, each an ordinary BLAS call on the
Python pool (BLAS releases the GIL).
Each output element is still one BLAS dot product over the whole inner dimension: the bands give the same values as
the whole product. A float32 product with a long inner dimension runs on the compiled kernel instead
(``wide_product``, its right side copied into the kernel's layout: 20 % faster than the split BLAS calls on the MLP's
layers, and all of a layer's products stay on one thread pool); its values do not depend on the thread count either.
"""
from __future__ import annotations

import numpy as np

from . import native
from .conv_native import _pack
from .threads import _over_blocks, get_num_threads, single_threaded_blas

# multiply-adds below which one thread is faster than a hand-off to the pool (~8 MFLOP, some 80 us of BLAS)
_SPLIT_MACS = 1 << 22
# the shortest inner dimension for which the compiled kernel beats the split BLAS calls (at 64: 94 against 160
# GFLOP/s, the output's stores dominate; from 256 on: 170-220 against 140-190)
_COMPILED_MIN_INNER = 256


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.dot(a, b)`` of 2-D arrays, on several threads when it is large and BLAS runs on one."""
    m, k = a.shape
    n = b.shape[1]
    if m * n * k < _SPLIT_MACS or not single_threaded_blas():
        return np.dot(a, b)
    if k >= _COMPILED_MIN_INNER and compiled_product(a, b):
        out = np.empty((m, n), dtype=np.float32)
        wide_product(a, padded_columns(b), out)
        return out
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


# rows from which the compiled kernel beats BLAS's matrix-vector products
_WIDE_FROM_ROWS = 4


def compiled_product(x: np.ndarray, w: np.ndarray) -> bool:
    """Whether ``wide_product`` serves ``x @ w``: float32 with the compiled library, and a few rows or more."""
    return native.enabled and x.dtype == w.dtype == np.float32 and x.ndim == 2 and x.shape[0] >= _WIDE_FROM_ROWS


def padded_columns(w: np.ndarray) -> np.ndarray:
    """``w`` (k, n) or (n,) with its columns zero-padded to whole vectors of the compiled kernels, contiguous (``w``
    itself when it is so already)."""
    vector = native.lib.ember_vector_length()
    n = w.shape[-1]
    if n % vector == 0 and w.flags.c_contiguous:
        return w
    lanes = -(-n // vector) * vector
    if w.ndim == 2 and w.dtype == np.float32:
        # any view (a Linear's w.T, above all) as a convolution weight (n, k, 1, 1), packed on the pool in blocks:
        # NumPy's strided copy of a 512 x 512 transpose takes 6 times as long
        return _pack(w.T[:, :, None, None], lanes).reshape(w.shape[0], lanes)
    padded = np.zeros(w.shape[:-1] + (lanes,), dtype=w.dtype)
    padded[..., :n] = w
    return padded


def wide_product(x: np.ndarray, w: np.ndarray, out: np.ndarray, bias: np.ndarray | None = None) -> None:
    """``out = x @ w[:, :n] (+ bias)``, ``n`` = ``out``'s columns, with ``w`` and ``bias`` from ``padded_columns``
    (``compiled_product`` says when): the compiled kernel (``csrc/matmul.c``), split over the pool by blocks of
    columns and bands of rows. 20 x 200 by 200 x 800 (an LSTM step) takes 34 us on two threads (BLAS 79 on one);
    700 x 200 by 200 x 800, 1.0 ms (BLAS 2.8). ``x`` may have any strides (``a.T`` is fine); ``out`` contiguous
    rows."""
    native.lib.ember_matmul_wide(native.ptr(x), native.ptr(w), native.ptr(bias), native.ptr(out), x.shape[0],
                                 x.shape[1], out.shape[1], x.strides[0] // 4, x.strides[1] // 4, w.shape[1],
                                 out.strides[0] // 4)
