"""Sorting: sort, argsort, topk (values carry the gradient back to the positions they came from)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ._util import normalize_dim
from .reduce import return_types
from .index import scatter_add_into_zeros
from .._tensor import wrap


class _TakeAlong(Op):
    """``x`` picked along ``dim`` at the positions ``idx``; the gradient is scattered back."""

    @staticmethod
    def forward(ctx, x, idx, dim):
        ctx.meta = (x.shape, idx, dim)
        return np.take_along_axis(x, idx, axis=dim) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, g):
        shape, idx, dim = ctx.meta
        return (scatter_add_into_zeros(g, shape, dim, idx) if shape else g), None, None


class SortBackward0(_TakeAlong):
    """``sort``."""


class TopkBackward0(_TakeAlong):
    """``topk``."""


_sort_t, _topk_t = return_types.make("sort"), return_types.make("topk")


def _order(data: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable sorting permutation along ``dim`` (ties keep their order, also when descending)."""
    if data.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if descending:
        key = data.astype(np.int64) if data.dtype.kind in "bu" else data
        return np.argsort(-key, axis=dim, kind="stable")
    return np.argsort(data, axis=dim, kind="stable")


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _order(input._data, dim, descending)

    return _sort_t(SortBackward0.apply(input, idx, dim), wrap(idx.astype(np.int64, copy=False)))


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort ``input`` along ``dim``."""
    return wrap(_order(input._data, normalize_dim(dim, input.ndim), descending).astype(np.int64, copy=False))


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the ``k`` largest (or smallest) entries along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    idx = _order(input._data, dim, largest)
    idx = idx[(slice(None),) * dim + (slice(0, k),)] if input.ndim else idx
    return _topk_t(TopkBackward0.apply(input, idx, dim), wrap(idx.astype(np.int64, copy=False)))


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values (sorted), or the distinct slices along ``dim``; optionally where each input entry went
    (``inverse``) and how often each value occurs (``counts``). The result carries no gradient."""
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        dim = normalize_dim(dim, data.ndim)
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    out = [wrap(values)]
    if return_inverse:
        out.append(wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(wrap(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)
