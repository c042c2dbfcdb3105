"""Cumulative ops along a dim: cumsum, cumprod (with zeros in the input), cummax and cummin (values and indices)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ._util import normalize_dim
from .reduce import return_types
from .index import scatter_add_into_zeros


def _rev_cumsum(t, dim: int):
    """Sum from each position to the end of ``dim``: cumsum's backward."""
    return t.flip(dim).cumsum(dim).flip(dim)


class CumsumBackward0(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(np.int64) if x.dtype.kind in "biu" else x.copy()
        return np.cumsum(x, axis=dim, dtype=np.int64 if x.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g, None
        return _rev_cumsum(g, ctx.dim), None


def cumsum(input, dim: int, *, dtype=None):
    """Cumulative sum along ``dim``; integers and bools accumulate in int64."""
    if dtype is not None:
        input = input.to(dtype)
    return CumsumBackward0.apply(input, normalize_dim(dim, input.ndim))


class CumprodBackward0(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x)
        if x.ndim == 0:
            return x.copy()
        return np.cumprod(x, axis=dim)

    @staticmethod
    def backward(ctx, g):
        """d out_j / d x_i is the product of x_k, k <= j, k != i. Before the first zero that is out_j / x_i; at the
        first zero it is the running product with that zero read as 1; after it, 0."""
        (x,) = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return g, None
        is_zero = x == 0
        if not bool(is_zero.any()):
            return _rev_cumsum(g * cumprod(x, dim), dim) / x, None
        first = is_zero & (is_zero.cumsum(dim) == 1)
        safe = x.masked_fill(is_zero, 1.0)
        before = _rev_cumsum(g * cumprod(x, dim), dim) / safe
        at_first = _rev_cumsum(g * cumprod(x.masked_fill(first, 1.0), dim), dim)
        return before.masked_fill(is_zero, 0.0).where(~first, at_first), None


def cumprod(input, dim: int, *, dtype=None):
    """Cumulative product along ``dim``; integers and bools accumulate in int64."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.long()
    return CumprodBackward0.apply(input, normalize_dim(dim, input.ndim))


class _CumExtreme(Op):
    """Running max (or min) along ``dim``; the gradient goes to the position each value was taken from."""

    _ufunc = np.maximum

    @classmethod
    def forward(cls, ctx, x, dim):
        if x.ndim == 0:
            values, idx = x.copy(), np.zeros((), np.int64)
        else:
            values = cls._ufunc.accumulate(x, axis=dim)
            # PyTorch takes the latest position among equal values (and a NaN sticks)
            shape = [1] * x.ndim
            shape[dim] = x.shape[dim]
            pos = np.arange(x.shape[dim], dtype=np.int64).reshape(shape)
            hit = (x == values) | np.isnan(x)
            idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=dim)
        ctx.meta = (x.shape, idx, dim)
        return values, idx

    @staticmethod
    def backward(ctx, g, _g_idx=None):
        shape, idx, dim = ctx.meta
        return (scatter_add_into_zeros(g, shape, dim, idx) if shape else g), None


class CummaxBackward0(_CumExtreme):
    _ufunc = np.maximum


class CumminBackward0(_CumExtreme):
    _ufunc = np.minimum


_cummax_t, _cummin_t = return_types.make("cummax"), return_types.make("cummin")


def _cum_extreme(op, result, input, dim):
    values, idx = op.apply(input, normalize_dim(dim, input.ndim))
    return result(values, idx)


def cummax(input, dim: int):
    """(values, indices): the running maximum along ``dim`` and where each was found."""
    return _cum_extreme(CummaxBackward0, _cummax_t, input, dim)


def cummin(input, dim: int):
    """(values, indices): the running minimum along ``dim`` and where each was found."""
    return _cum_extreme(CumminBackward0, _cummin_t, input, dim)
