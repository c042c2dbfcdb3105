"""Writes and reads at positions along one dim or in the flattened tensor: index_add, index_copy, index_fill,
masked_scatter, take, take_along_dim."""
from __future__ import annotations

import numpy as np

from .._dtype import _type_name
from ..autograd.function import Op
from ._util import normalize_dim
from .index import gather, IndexPutImplBackward0
from .._tensor import wrap
from .shape import ExpandBackward0


def _where(dim: int, idx: np.ndarray) -> tuple:
    return (slice(None),) * dim + (idx,)


def _vector_index(name: str, input, dim: int, index) -> np.ndarray:
    idx = index._data
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError(f"{name}_(): Expected dtype int32/int64 for index but got: {_type_name(idx.dtype)}")
    if idx.ndim > 1:
        raise IndexError(f"{name}_(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    bad = (idx < -size) | (idx >= size)
    if bad.any():
        raise IndexError(f"{name}_(): index {int(idx[bad][0])} is out of bounds for dimension {dim} with size "
                         f"{size}")
    return idx


def _check_source(name: str, input, dim: int, idx: np.ndarray, source) -> None:
    expected = list(input.shape)
    if expected:
        expected[dim] = idx.shape[0]
    if list(source.shape) != expected and not (source.ndim == 0 and idx.shape[0] == 1 and input.ndim <= 1):
        raise RuntimeError(f"{name}(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {list(input.shape)} at dimension {dim} and source slice shape: "
                           f"{list(source.shape)} at dimension 0.")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self ({input.dtype}) and source ({source.dtype}) must have the same scalar "
                           "type")


class IndexAddBackward0(Op):
    """``x`` with ``alpha * source`` added at positions ``idx`` along ``dim`` (repeats accumulate)."""

    @staticmethod
    def forward(ctx, x, source, dim, idx, alpha):
        ctx.meta = (dim, idx, alpha, source.shape)
        out = x.copy()
        np.add.at(out, _where(dim, idx), source if alpha == 1 else source * alpha)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, idx, alpha, shape = ctx.meta
        need = ctx.needs_input_grad
        gs = None
        if need[1]:
            gs = g.index_select(dim, wrap(idx)) if g.ndim else g
            gs = (gs if alpha == 1 else gs * alpha).reshape(shape)
        return (g if need[0] else None), gs, None, None, None


def index_add(input, dim: int, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _vector_index("index_add", input, dim, index)
    _check_source("index_add", input, dim, idx, source)
    return IndexAddBackward0.apply(input, source, dim, idx, alpha)


class IndexCopyBackward0(Op):
    """``x`` with ``source`` written at positions ``idx`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, source, dim, idx):
        ctx.meta = (dim, idx, source.shape)
        out = x.copy()
        out[_where(dim, idx)] = source
        return out

    @staticmethod
    def backward(ctx, g):
        dim, idx, shape = ctx.meta
        need = ctx.needs_input_grad
        gx = index_fill(g, dim, wrap(idx), 0) if need[0] else None
        gs = (g.index_select(dim, wrap(idx)) if g.ndim else g).reshape(shape) if need[1] else None
        return gx, gs, None, None


def index_copy(input, dim: int, index, source):
    """``input`` with the slices of ``source`` copied to positions ``index`` along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _vector_index("index_copy", input, dim, index)
    _check_source("index_copy", input, dim, idx, source)
    return IndexCopyBackward0.apply(input, source, dim, idx)


class IndexFillBackward0(Op):
    """``x`` with ``value`` at positions ``idx`` along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim, idx, value):
        ctx.meta = (dim, idx)
        out = x.copy()
        out[_where(dim, idx)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        dim, idx = ctx.meta
        need = ctx.needs_input_grad
        gx = index_fill(g, dim, wrap(idx), 0) if need[0] else None
        gv = g[_where(dim, wrap(idx))].sum() if need[3] else None
        return gx, None, None, gv


class IndexFillBackward1(IndexFillBackward0):
    """index_fill with a 0-d tensor value: the value is an input of the node, as in PyTorch."""

    _inputs = (0, 3)


def index_fill(input, dim: int, index, value):
    """``input`` with ``value`` (a number or a 0-d tensor) at positions ``index`` along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _vector_index("index_fill", input, dim, index)
    if hasattr(value, "_data"):
        if value.ndim != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return IndexFillBackward1.apply(input, dim, idx, value)
    return IndexFillBackward0.apply(input, dim, idx, value)


class MaskedScatterBackward0(Op):
    """``x`` with the first elements of ``source`` (in order) written where ``mask`` is True."""

    @staticmethod
    def forward(ctx, x, mask, source):
        mask = np.broadcast_to(mask, x.shape)
        ctx.meta = (mask, source.shape)
        out = x.copy()
        count = int(mask.sum())
        out[mask] = source.reshape(-1)[:count]
        return out

    @staticmethod
    def backward(ctx, g):
        mask, shape = ctx.meta
        need = ctx.needs_input_grad
        gx = g.masked_fill(wrap(mask), 0) if need[0] else None
        gs = None
        if need[2]:
            n = int(np.prod(shape))
            taken = g[wrap(mask)]
            gs = IndexPutImplBackward0.apply(taken, (n,), slice(0, taken.shape[0])).reshape(shape)
        return gx, None, gs


def masked_scatter(input, mask, source):
    """``input`` with consecutive elements of ``source`` written where ``mask`` (bool) is True."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype.name} and {source.dtype.name}")
    mask_arr = np.broadcast_to(mask._data, np.broadcast_shapes(mask.shape, input.shape))
    if int(mask_arr.sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if mask_arr.shape != tuple(input.shape):
        input = input.expand(mask_arr.shape)
    return MaskedScatterBackward0.apply(input, mask_arr, source)


class TakeBackward0(Op):
    """``x.flatten()[idx]`` shaped like ``idx``."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.meta = (x.shape, idx)
        return x.reshape(-1)[idx]

    @staticmethod
    def backward(ctx, g):
        shape, idx = ctx.meta
        n = int(np.prod(shape))
        return IndexPutImplBackward0.apply(g, (n,), idx).reshape(shape), None


def take(input, index):
    """The elements of the flattened ``input`` at ``index`` (shaped like ``index``)."""
    idx = index._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype.name}")
    n = input.numel()
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(idx[bad].flat[0])} on a tensor of {n} "
                         "elements.")
    return TakeBackward0.apply(input, idx)


def take_along_dim(input, indices, dim: int | None = None):
    """Values of ``input`` at ``indices`` along ``dim`` (``gather`` after broadcasting the other dims); with
    ``dim=None``, along the flattened input."""
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype.name}")
    if dim is None:
        return gather(input.view(-1), 0, indices.view(-1))
    dim = normalize_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    shape_i, shape_x = list(input.shape), list(indices.shape)
    shape_i[dim] = shape_x[dim] = 1
    common = list(np.broadcast_shapes(tuple(shape_i), tuple(shape_x)))
    xs, ids = common.copy(), common.copy()
    xs[dim], ids[dim] = input.shape[dim], indices.shape[dim]

    return gather(ExpandBackward0.apply(input, tuple(xs)), dim, ExpandBackward0.apply(indices, tuple(ids)))
