"""The compiled normalisation kernels, for the cases they cover: batch norm (``csrc/batch_norm.c``) of
float32 (N, C, *) inputs whose rows (the positions of one channel in one sample) are at least a cache line long or
a single position (N, C), and layer and group norm (``csrc/row_norm.c``) of float32 inputs.

Part of the optional compiled library (see ``native``); ``norm`` sends every other case, and every case while the
library is absent or switched off, to the NumPy kernels of ``norm_numpy``.

Why compiled code: NumPy makes one pass over the whole batch per step (mean, centring, sums, scaling), each with
its own temporary, and splits a batch over Python threads that sleep between calls. The kernels finish one channel
(batch norm) or row (layer and group norm) at a time while it is in the core's cache, on the library's spinning
thread pool (``benchmarks`` times both against PyTorch: the normalisation rows).
"""
from __future__ import annotations

import numpy as np

from . import native as _native
from .native import lib as _lib, ptr as _ptr

# below this many elements the row kernels run on the calling thread alone: waking the pool costs more than it
# saves
_PARALLEL_MIN_SIZE = 1 << 15
# floats in a 64-byte cache line: shorter rows would make each channel's pass touch the lines of its neighbours
_MIN_ROW = 16


def takes(x: np.ndarray) -> bool:
    """Whether the compiled kernels normalise ``x`` (N, C, *) over N and *: channels of ``_MIN_ROW`` positions or
    more per sample, or of one (an (N, C) input, taken a block of channels at a time)."""
    if not (_native.enabled and x.dtype == np.float32 and x.ndim >= 2 and x.size > 0):
        return False
    positions = x.size // (x.shape[0] * x.shape[1])
    return positions == 1 or positions >= _MIN_ROW


def _vector(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else np.ascontiguousarray(a, dtype=np.float32)


def forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, running_mean: np.ndarray | None,
            running_var: np.ndarray | None, training: bool, eps: float):
    """The normalised ``x`` and the (mean, biased variance, 1/std) it used: the batch's when training, else the
    running statistics'."""
    x = np.ascontiguousarray(x)
    n, c = x.shape[:2]
    if training:
        mean, var = np.empty(c, np.float32), np.empty(c, np.float32)
    else:
        mean, var = np.array(running_mean, np.float32), np.array(running_var, np.float32)
    invstd = np.empty(c, np.float32)
    y = np.empty_like(x)
    w, b = _vector(weight), _vector(bias)
    _lib.ember_batch_norm_forward(_ptr(x), _ptr(w), _ptr(b), _ptr(y), _ptr(mean), _ptr(var), _ptr(invstd), n, c,
                                  x.size // (n * c), eps, training)
    return y, mean, var, invstd


def backward(g: np.ndarray, x: np.ndarray, weight: np.ndarray | None, mean: np.ndarray, invstd: np.ndarray,
             training: bool, need_input_grad: bool):
    """(input gradient or None, weight gradient, bias gradient) of ``forward`` given the output gradient ``g``."""
    g, x = np.ascontiguousarray(g, dtype=np.float32), np.ascontiguousarray(x)
    n, c = x.shape[:2]
    dx = np.empty_like(x) if need_input_grad else None
    dweight, dbias = np.empty(c, np.float32), np.empty(c, np.float32)
    w = _vector(weight)
    _lib.ember_batch_norm_backward(_ptr(g), _ptr(x), _ptr(w), _ptr(mean), _ptr(invstd), _ptr(dx), _ptr(dweight),
                                   _ptr(dbias), n, c, x.size // (n * c), training)
    return dx, dweight, dbias


def takes_rows(x: np.ndarray) -> bool:
    """Whether the compiled kernels normalise the rows of ``x`` (layer and group norm)."""
    return _native.enabled and x.dtype == np.float32 and x.size > 0  # empty inputs keep NumPy's edge cases


def _blocks(rows: int, size: int) -> int:
    return 1 if size < _PARALLEL_MIN_SIZE else min(rows, _lib.ember_pool_size())


def rows_forward(x2: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float):
    """Each row of the (R, D) ``x2`` normalised, times row ``r % G`` of the (G, D) ``weight`` plus that of ``bias``;
    and the rows' (mean, 1/std)."""
    x2 = np.ascontiguousarray(x2)
    (rows, d), groups = x2.shape, weight.shape[0]
    y = np.empty_like(x2)
    mean, invstd = np.empty(rows, np.float32), np.empty(rows, np.float32)
    w, b = _vector(weight), _vector(bias)
    _lib.ember_row_norm_forward(_ptr(x2), _ptr(w), _ptr(b), _ptr(y), _ptr(mean), _ptr(invstd), rows, d, groups,
                                _blocks(rows, x2.size), eps)
    return y, mean, invstd


def rows_backward(g2: np.ndarray, x2: np.ndarray, weight: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                  need_input_grad: bool, need_affine_grad: bool):
    """(input gradient or None, (G, D) weight gradient or None, (G, D) bias gradient or None) of ``rows_forward``
    given the output gradient ``g2``."""
    g2, x2 = np.ascontiguousarray(g2, dtype=np.float32), np.ascontiguousarray(x2)
    (rows, d), groups = x2.shape, weight.shape[0]
    blocks = _blocks(rows, x2.size)
    dx = np.empty_like(x2) if need_input_grad else None
    partial = np.zeros((blocks, 2, groups, d), np.float32) if need_affine_grad else None
    w = _vector(weight)
    _lib.ember_row_norm_backward(_ptr(g2), _ptr(x2), _ptr(w), _ptr(mean), _ptr(invstd), _ptr(dx), _ptr(partial),
                                 rows, d, groups, blocks)
    if partial is None:
        return dx, None, None
    sums = partial.sum(0)  # in block order: the same bits every run
    return dx, sums[0], sums[1]
