"""Comparisons and logical ops: no gradient, bool results, PyTorch promotion and broadcasting."""
from __future__ import annotations

import numpy as np

from .._dtype import _type_name, is_real_floating
from ._util import broadcast_error, promote_operands
from .._tensor import wrap


def _compare(np_fn):
    def fn(input, other):
        a, b, _ = promote_operands(input, other)
        a = getattr(a, "_data", a)
        b = getattr(b, "_data", b)
        try:
            return wrap(np_fn(a, b))
        except ValueError as e:
            raise broadcast_error(np.shape(a), np.shape(b)) from e

    fn.__name__ = np_fn.__name__
    return fn


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)


def _bitwise(np_fn, name: str):
    def fn(input, other):
        a, b, dt = promote_operands(input, other)
        if is_real_floating(dt):
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_type_name(dt)}\'')
        a = getattr(a, "_data", a)
        b = getattr(b, "_data", b)
        try:
            return wrap(np.asarray(np_fn(a, b), dtype=dt))
        except ValueError as e:
            raise broadcast_error(np.shape(a), np.shape(b)) from e

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} of integer or bool tensors."
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _unary_nograd(np_fn):
    def fn(input):
        return wrap(np_fn(input._data))

    fn.__name__ = np_fn.__name__
    return fn


logical_not = _unary_nograd(np.logical_not)


def bitwise_not(input):
    """Elementwise NOT of an integer or bool tensor."""
    if is_real_floating(input._data.dtype):
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_type_name(input._data.dtype)}\'')
    return wrap(np.invert(input._data))


isnan = _unary_nograd(np.isnan)
isinf = _unary_nograd(np.isinf)
isfinite = _unary_nograd(np.isfinite)


def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if every element satisfies ``|input - other| <= atol + rtol * |other|``."""
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor."""
    return wrap(np.isclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol, equal_nan=equal_nan))
