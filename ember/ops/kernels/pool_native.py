"""The compiled 2-D max pooling (``csrc/pool.c``) for float32 inputs: one scan per window instead of NumPy's pass
per kernel offset, and the gradient routed by PyTorch's flat argmax indices. ``takes`` says when; the NumPy kernels
of ``pool`` serve every other case and every case without the library."""
from __future__ import annotations

import numpy as np

from . import native
from .pool import Geometry


def takes(x: np.ndarray, geom: Geometry) -> bool:
    """Whether the compiled kernel pools ``x``: float32, (N, C, H, W), a 2-D window."""
    return native.enabled and x.dtype == np.float32 and x.ndim == 4 and len(geom.k) == 2 and x.size > 0


def max_pool(x: np.ndarray, geom: Geometry) -> tuple:
    """(values, int64 argmax index within each input plane): PyTorch's values and ``return_indices``."""
    x = np.ascontiguousarray(x)
    lead = x.shape[:2]
    y = np.empty(lead + tuple(geom.out), np.float32)
    index = np.empty(y.shape, np.int64)
    native.lib.ember_max_pool2d_forward(native.ptr(x), native.ptr(y), native.ptr(index), lead[0] * lead[1],
                                        *geom.size, *geom.out, *geom.k, *geom.s, *geom.p, *geom.d)
    return y, index


def scatter(grad: np.ndarray, index: np.ndarray, size: tuple) -> np.ndarray:
    """The input gradient: ``grad`` added at ``index`` in zeroed (N, C, *size) planes."""
    grad = np.ascontiguousarray(grad, dtype=np.float32)
    gx = np.empty(grad.shape[:2] + tuple(size), np.float32)
    native.lib.ember_max_pool2d_backward(native.ptr(grad), native.ptr(index), native.ptr(gx),
                                         grad.shape[0] * grad.shape[1], *size, *grad.shape[2:])
    return gx


def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values`` (N, C, H, W) read at ``index`` (N, C, oh, ow): the adjoint of ``scatter``."""
    planes = values.reshape(values.shape[:2] + (-1,))
    return np.take_along_axis(planes, index.reshape(index.shape[:2] + (-1,)), axis=-1).reshape(index.shape)
