"""The compiled batch normalisation (``ember/_native/batch_norm.c``), for the cases it covers.

Part of the optional compiled library (see ``_native``). It covers float32 inputs of (N, C, *) whose rows (the
positions of one channel in one sample) are at least a cache line long; ``nn_norm`` computes every other case, and
every case when the library is absent, with NumPy.

Why compiled code: NumPy makes one pass over the whole batch per step (mean, centring, sums, scaling), each with
its own temporary, and splits a batch over Python threads that sleep between calls. The kernel finishes one
channel at a time while its rows are in the core's cache, on the library's spinning thread pool (measured on two
cores: see ``benchmarks``, BatchNorm2d rows).
"""
from __future__ import annotations

import numpy as np

from . import _native
from ._native import lib as _lib, ptr as _ptr

# floats in a 64-byte cache line: shorter rows would make each channel's pass touch the lines of its neighbours
_MIN_ROW = 16


def takes(x: np.ndarray) -> bool:
    """Whether the compiled kernels normalise ``x`` (N, C, *) over N and *."""
    return _native.enabled and x.dtype == np.float32 and x.ndim >= 3 and x.size >= _MIN_ROW * x.shape[0] * x.shape[1]


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
