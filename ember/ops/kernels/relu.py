"""ReLU and LeakyReLU on arrays: the compiled one-pass kernels (``csrc/relu.c``, split over the pool) for large
contiguous float32 arrays, NumPy otherwise; both give the same bits."""
from __future__ import annotations

import numpy as np

from . import native

# elements from which the compiled kernel beats NumPy's two passes (below, the call overhead dominates)
_COMPILED_FROM = 4096


def _compiled(*arrays: np.ndarray) -> bool:
    first = arrays[0]
    return (native.enabled and first.size >= _COMPILED_FROM
            and all(a.dtype == np.float32 and a.flags.c_contiguous and a.shape == first.shape for a in arrays))


def forward(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` (NumPy's maximum: NaN passes through, -0.0 becomes 0.0)."""
    if not _compiled(x):
        return np.maximum(x, x.dtype.type(0))
    y = np.empty_like(x)
    native.lib.ember_relu_forward(native.ptr(x), native.ptr(y), x.size)
    return y


def backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient through ReLU given its output, as PyTorch's threshold_backward: ``g`` where ``y`` is not
    ``<= 0`` (a NaN output passes its gradient), else 0 (even for an infinite or NaN ``g``)."""
    if g.shape == y.shape and g.dtype == np.float32 and not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)  # e.g. the broadcast ones of a sum's gradient
    if not _compiled(g, y):
        drop = y <= 0
        dx = g * ~drop
        if not np.isfinite(g).all():  # inf * 0 would leave NaN where PyTorch gives 0
            dx[drop] = 0
        return dx
    dx = np.empty_like(g)
    native.lib.ember_relu_backward(native.ptr(g), native.ptr(y), native.ptr(dx), g.size)
    return dx


def leaky_forward(x: np.ndarray, slope: float) -> tuple:
    """``x if x > 0 else slope * x`` and the mask ``x > 0`` (which the backward reads)."""
    if not _compiled(x):
        positive = x > 0
        return np.where(positive, x, x * x.dtype.type(slope)), positive
    y = np.empty_like(x)
    positive = np.empty(x.shape, dtype=np.bool_)
    native.lib.ember_leaky_relu_forward(native.ptr(x), native.ptr(y), native.ptr(positive), x.size, slope)
    return y, positive


def leaky_backward(g: np.ndarray, positive: np.ndarray, slope: float) -> np.ndarray:
    """The gradient through LeakyReLU: ``g`` where the input was positive, else ``slope * g``."""
    if g.shape == positive.shape and g.dtype == np.float32 and not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    if not (_compiled(g) and g.shape == positive.shape and positive.flags.c_contiguous):
        return g * np.where(positive, g.dtype.type(1), g.dtype.type(slope))
    dx = np.empty_like(g)
    native.lib.ember_leaky_relu_backward(native.ptr(g), native.ptr(positive), native.ptr(dx), g.size, slope)
    return dx
