"""Helpers shared by every op family: wrapping results, reducing broadcast gradients, normalising dims."""
from __future__ import annotations

import numpy as np

from .._dtype import get_default_dtype, is_floating, is_real_floating, result_type
from .._size import normalize_dim
from .._tensor import wrap
from ..autograd.grad_mode import STATE


def sum_to(grad, shape: tuple):
    """Sum a broadcast gradient back down to ``shape`` (differentiably when a graph of the gradient is built)."""
    if grad._data.shape == shape:
        return grad
    if not STATE.enabled:
        return wrap(sum_to_array(grad._data, shape))
    axes = _broadcast_axes(grad._data.shape, shape)
    if axes:
        grad = grad.sum(axes, keepdim=True)
    return grad.reshape(shape) if grad.shape != shape else grad


def sum_to_array(arr: np.ndarray, shape: tuple) -> np.ndarray:
    """``sum_to`` on an array (for backward passes that build no graph)."""
    if arr.shape == shape:
        return arr
    return arr.sum(axis=_broadcast_axes(arr.shape, shape)).reshape(shape)


def broadcast_view(arr: np.ndarray, shape: tuple) -> np.ndarray:
    """``np.broadcast_to(arr, shape)`` for ``arr`` of the same ndim, without its Python-level overhead: a
    read-only view with zero strides along the stretched dims."""
    if not arr.flags.c_contiguous or arr.ndim != len(shape):
        return np.broadcast_to(arr, shape)
    strides = tuple([0 if n == 1 and s != 1 else st for n, s, st in zip(arr.shape, shape, arr.strides)])
    out = np.ndarray(shape, arr.dtype, arr, 0, strides)
    out.flags.writeable = False
    return out


def _broadcast_axes(gshape: tuple, shape: tuple) -> tuple:
    """The axes of ``gshape`` that broadcasting ``shape`` up to it created or stretched."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)


def normalize_dims(dim, ndim: int) -> tuple | None:
    """``dim`` as a sorted tuple of non-negative axes; None means every axis."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (normalize_dim(dim, ndim),)
    dims = tuple(sorted(normalize_dim(d, ndim) for d in dim))
    return dims if dims else None


def broadcast_error(a_shape: tuple, b_shape: tuple) -> RuntimeError:
    """PyTorch's message for two shapes that do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    a = (1,) * (n - len(a_shape)) + tuple(a_shape)
    b = (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i in range(n - 1, -1, -1):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def promote_operands(a, b, float_result: bool = False):
    """Cast Tensor operands to the PyTorch result dtype of ``a (op) b``; Python numbers stay as they are."""
    da = getattr(a, "_data", None)
    db = getattr(b, "_data", None)
    if da is not None and (db.dtype == da.dtype if db is not None else type(b) is float and is_real_floating(da.dtype)):
        dt = da.dtype  # the common cases need no promotion table
    else:
        dt = result_type(a, b)
    if float_result and not is_floating(dt):
        dt = get_default_dtype().np
    if da is not None and da.dtype != dt:
        a = a.to(dt)
    if db is not None and db.dtype != dt:
        b = b.to(dt)
    if da is None and db is None:
        raise TypeError("at least one operand must be a Tensor")
    return a, b, dt


def not_implemented(base: type, op: str) -> type:
    """``base`` as PyTorch records an op without a derivative: the node class ``NotImplemented``, whose backward
    raises."""
    def backward(ctx, *grads):
        raise RuntimeError(f"derivative for aten::{op} is not implemented")

    return type("NotImplemented", (base,), {"__module__": base.__module__, "backward": staticmethod(backward),
                                            "__doc__": f"``{op}``, which has no derivative."})
