"""Indexing: __getitem__/__setitem__, gather/scatter, index_select, masked_fill/select, nonzero."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ._util import normalize_dim, sum_to


def to_numpy_index(index):
    """Turn a Tensor-bearing index into one NumPy understands, checking index dtypes like PyTorch."""
    if isinstance(index, tuple):
        return tuple(to_numpy_index(i) for i in index)
    data = getattr(index, "_data", None)
    if data is not None:
        if data.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return data
    if isinstance(index, list) and any(hasattr(i, "_data") for i in index):
        return np.asarray([i.item() if hasattr(i, "_data") else i for i in index])
    return index


def _is_advanced(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


def _index_name(index) -> str:
    if _is_advanced(index):
        return "IndexBackward0"
    items = index if isinstance(index, tuple) else (index,)
    if len(items) == 1 and isinstance(items[0], int):
        return "SelectBackward0"
    if all(i is None for i in items):
        return "UnsqueezeBackward0"
    return "SliceBackward0"


class Index(Op):
    """``x[index]``; basic indexing gives a view sharing storage, advanced indexing a copy."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x.shape, x.dtype, index)
        ctx._name = _index_name(index)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        shape, dtype, index = ctx.meta
        return IndexAddInto.apply(g, shape, index), None


class IndexAddInto(Op):
    """Scatter ``g`` into zeros of ``shape`` at ``index`` (repeated indices accumulate): Index's backward."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.index], None, None


def getitem(x, index):
    index = to_numpy_index(index)
    try:
        out = Index.apply(x, index)
    except IndexError as e:
        raise IndexError(_pytorch_index_message(str(e), x.shape)) from None
    if _is_advanced(index) and out._version_counter is x._version_counter:
        out._version_counter = [0]
    return out


Index._is_view = True


def _pytorch_index_message(msg: str, shape) -> str:
    import re

    m = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        return f"index {m.group(1)} is out of bounds for dimension {m.group(2)} with size {m.group(3)}"
    if "too many indices" in msg:
        return f"too many indices for tensor of dimension {len(shape)}"
    return msg


class IndexPut(Op):
    """``out = x.clone(); out[index] = value`` — the out-of-place form of __setitem__."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.meta = (index, np.shape(value))
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        index, value_shape = ctx.meta
        need = ctx.needs_input_grad
        gx = gv = None
        if need[0]:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[index] = 0
            from .._tensor import wrap

            gx = g * wrap(mask)
        if need[1]:
            gv = sum_to(g[index], value_shape)
        return gx, gv, None


def index_put(x, index, value):
    return IndexPut.apply(x, value, index)


def _full_index(index: np.ndarray, dim: int) -> tuple:
    """Index tuple addressing ``index``'s positions along ``dim`` and its own coordinates elsewhere."""
    grids = list(np.ogrid[tuple(slice(s) for s in index.shape)])
    grids[dim] = index
    return tuple(grids)


def _check_gather(name: str, x_shape, dim: int, index: np.ndarray) -> None:
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor")
    if index.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    if index.size and (index.min() < -x_shape[dim] or index.max() >= x_shape[dim]):
        raise RuntimeError(f"index {int(index.max())} is out of bounds for dimension {dim} with size {x_shape[dim]}")


class Gather(Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x.shape, dim, index)
        return x[_full_index(index, dim)]

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        return scatter_add_into_zeros(g, shape, dim, index), None, None


def gather(input, dim: int, index):
    dim = normalize_dim(dim, input.ndim)
    _check_gather("gather", input.shape, dim, index._data)
    return Gather.apply(input, dim, index._data)


class ScatterAdd(Op):
    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.meta = (dim, index)
        out = x.copy()
        np.add.at(out, _full_index(index, dim), src[tuple(slice(s) for s in index.shape)])
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        need = ctx.needs_input_grad
        gsrc = None
        if need[1]:
            gsrc = Gather.apply(g, dim, index)
        return (g if need[0] else None), gsrc, None, None


def scatter_add_into_zeros(g, shape, dim: int, index: np.ndarray):
    from .._creation import zeros

    return ScatterAdd.apply(zeros(shape, dtype=g.dtype), g, dim, index)


def scatter_add(input, dim: int, index, src):
    dim = normalize_dim(dim, input.ndim)
    _check_gather("scatter_add", input.shape, dim, index._data)
    return ScatterAdd.apply(input, src, dim, index._data)


class Scatter(Op):
    """Write ``src`` (a Tensor or a number) at ``index`` along ``dim``; optional reduce 'add'/'multiply'."""

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce):
        ctx.meta = (dim, index)
        out = x.copy()
        where = _full_index(index, dim)
        values = src[tuple(slice(s) for s in index.shape)] if isinstance(src, np.ndarray) else src
        if reduce is None:
            out[where] = values
        elif reduce == "add":
            np.add.at(out, where, values)
        elif reduce == "multiply":
            np.multiply.at(out, where, values)
        else:
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index = ctx.meta
        need = ctx.needs_input_grad
        gx = gsrc = None
        if need[0]:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[_full_index(index, dim)] = 0
            from .._tensor import wrap

            gx = g * wrap(mask)
        if need[1]:
            gsrc = Gather.apply(g, dim, index)
        return gx, gsrc, None, None, None


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    dim = normalize_dim(dim, input.ndim)
    _check_gather("scatter", input.shape, dim, index._data)
    if src is None:
        src = value
    if not hasattr(src, "_data"):
        src = np.asarray(src, dtype=input._data.dtype)
    return Scatter.apply(input, src, dim, index._data, reduce)


def index_select(input, dim: int, index):
    dim = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    out = Index.apply(input, (slice(None),) * dim + (index._data.reshape(-1),))
    if out.grad_fn is not None:
        out.grad_fn._name = "IndexSelectBackward0"
    return out


class MaskedFill(Op):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.meta = (mask, x.shape)
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        mask, shape = ctx.meta
        from .._tensor import wrap

        need = ctx.needs_input_grad
        gx = g.masked_fill(wrap(mask), 0) if need[0] else None
        gv = g.masked_select(wrap(np.broadcast_to(mask, g.shape))).sum() if need[2] else None
        return gx, None, gv


def masked_fill(input, mask, value):
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    if hasattr(value, "_data"):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if not value.requires_grad:
            value = value.item()
    out = MaskedFill.apply(input, mask, value)
    if out.shape != input.shape:
        raise RuntimeError(f"masked_fill: mask of shape {list(mask.shape)} does not broadcast to the input's "
                           f"shape {list(input.shape)}")
    return out


def masked_select(input, mask):
    shape = np.broadcast_shapes(input.shape, mask.shape)
    x = input.expand(shape) if input.shape != shape else input
    m = np.broadcast_to(mask._data, shape)
    return _rename(Index.apply(x, m), "MaskedSelectBackward0")


def _rename(t, name):
    if t.grad_fn is not None:
        t.grad_fn._name = name
    return t


def nonzero(input, *, as_tuple: bool = False):
    from .._tensor import wrap

    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in idx) if input.ndim else (wrap(np.zeros(int(bool(input._data)),
                                                                                               dtype=np.int64)),)
    return wrap(np.stack(idx, axis=1).astype(np.int64) if input.ndim else
                np.zeros((int(bool(input._data)), 0), dtype=np.int64))
