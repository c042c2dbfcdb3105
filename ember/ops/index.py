"""Indexing: __getitem__/__setitem__, gather/scatter, index_select, masked_fill/select, nonzero."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import normalize_dim, sum_to
from .._tensor import wrap
from .shape import expand_error
from .._creation import zeros

_INDEX_KINDS = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.bool_))


def _convert(item):
    data = getattr(item, "_data", None)
    if data is not None:
        if data.ndim == 0 and data.dtype.kind in "iu":
            return int(data)  # a 0-d integer tensor indexes like an int (a view, SelectBackward0)
        if data.dtype in _INDEX_KINDS:
            return data
        if data.dtype == np.uint8:  # PyTorch's deprecated byte masks
            return data.astype(np.bool_)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(item, list):
        arr = np.asarray(item)
        if arr.size == 0:
            return np.zeros(arr.shape, dtype=np.int64)
        if arr.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    return item


def _sequence_as_tuple(index: list) -> bool:
    """PyTorch (like old NumPy) reads a list holding sequences, tensors, slices, ... or None as a tuple."""
    return len(index) < 32 and any(isinstance(i, (list, tuple, slice, np.ndarray)) or i is None or i is Ellipsis
                                   or hasattr(i, "_data") for i in index)


def to_numpy_index(index):
    """Turn a Tensor-bearing index into one NumPy understands, checking index dtypes like PyTorch."""
    if type(index) is tuple or isinstance(index, list) and _sequence_as_tuple(index):
        return tuple([_convert(i) for i in index])
    return _convert(index)


def _is_advanced(index) -> bool:
    if type(index) is not tuple:
        return isinstance(index, (np.ndarray, bool))
    for i in index:
        if isinstance(i, (np.ndarray, bool)):
            return True
    return False


def _check_masks(index: tuple, shape: tuple) -> None:
    """PyTorch's message for a bool mask whose shape does not match the dims it indexes."""
    consumed = sum(1 if not isinstance(i, np.ndarray) or i.dtype != np.bool_ else i.ndim
                   for i in index if i is not None and i is not Ellipsis and not isinstance(i, bool))
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim += len(shape) - consumed
        elif isinstance(item, np.ndarray) and item.dtype == np.bool_:
            for k, s in enumerate(item.shape):
                if dim + k >= len(shape) or shape[dim + k] != s:
                    raise IndexError(f"The shape of the mask {list(item.shape)} at index {k} does not match the "
                                     f"shape of the indexed tensor {list(shape)} at index {dim + k}")
            dim += item.ndim
        elif item is not None and not isinstance(item, bool):
            dim += 1


class _BasicIndex(Op):
    """``x[index]`` with basic indices: a view sharing storage (and version counter) with ``x``. PyTorch names
    the node after the last view op that indexing applies, hence the subclasses below."""

    _is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x.shape, index)
        # a trailing Ellipsis makes NumPy return a 0-d view instead of a scalar copy
        if type(index) is not tuple:
            index = (index,)
        return x[index if Ellipsis in index else index + (Ellipsis,)]

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        return IndexPutImplBackward0.apply(g, shape, index), None


class SelectBackward0(_BasicIndex):
    """``x[i]``: an int last."""


class SliceBackward0(_BasicIndex):
    """``x[a:b]``: a slice that is not the whole dim last."""


class UnsqueezeBackward0(_BasicIndex):
    """``x[None]``: a None last."""


class AliasBackward0(_BasicIndex):
    """``x[...]`` or ``x[:]``: nothing but whole dims."""


def _basic_op(index) -> type:
    """The node class of ``x[index]`` for a basic ``index``."""
    if isinstance(index, slice):
        return SliceBackward0
    op = AliasBackward0
    for i in index if type(index) is tuple else (index,):
        if i is None or isinstance(i, bool):
            op = UnsqueezeBackward0
        elif isinstance(i, slice):
            if i != _FULL:
                op = SliceBackward0
        elif i is not Ellipsis:
            op = SelectBackward0
    return op


_FULL = slice(None)


class IndexBackward0(Op):
    """``x[index]`` with integer arrays or bool masks in the index: a copy."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x.shape, index)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.meta
        return IndexPutImplBackward0.apply(g, shape, index), None


class IndexSelectBackward0(IndexBackward0):
    """``index_select``."""


class MaskedSelectBackward0(IndexBackward0):
    """``masked_select``."""


class IndexPutImplBackward0(Op):
    """Scatter ``g`` into zeros of ``shape`` at ``index`` (repeated indices accumulate): indexing's backward,
    named as PyTorch's ``index_put_`` into zeros."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _has_int_array(index):
            np.add.at(out, index, g)
        else:  # slices and bool masks address each element at most once
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.index], None, None


def _has_int_array(index) -> bool:
    for i in index if type(index) is tuple else (index,):
        if isinstance(i, np.ndarray) and i.dtype != np.bool_:
            return True
    return False


def getitem(x, key):
    """``x[key]`` with PyTorch's index rules (basic indexing gives a view, advanced indexing a copy)."""
    if type(key) is int:
        try:
            return SelectBackward0.apply(x, key)
        except IndexError as e:
            raise IndexError(_pytorch_index_message(str(e), x.shape)) from None
    index = to_numpy_index(key)
    advanced = _is_advanced(index)
    if advanced and type(index) is tuple:
        _check_masks(index, x.shape)
    elif advanced and isinstance(index, np.ndarray) and index.dtype == np.bool_:
        _check_masks((index,), x.shape)
    if not advanced and type(index) is tuple and len(index) > 1 and x._requires_grad and STATE.enabled:
        try:
            return _basic_chain(x, index)
        except IndexError:
            pass  # the single op below reports the error with the dim of the original tensor, as PyTorch does
    try:
        return (IndexBackward0 if advanced else _basic_op(index)).apply(x, index)
    except IndexError as e:
        raise IndexError(_pytorch_index_message(str(e), x.shape)) from None


def _basic_chain(x, index: tuple):
    """``x[index]`` for a basic index, recorded as PyTorch records it: one select, slice or unsqueeze node per
    item that changes something (slices over a whole dim and the Ellipsis add none)."""
    after = 0
    if Ellipsis in index:
        after = sum(1 for i in index[index.index(Ellipsis) + 1:] if i is not None)
    out, dim, steps = x, 0, 0
    for item in index:
        if item is Ellipsis:
            dim = out.ndim - after
            continue
        if item is None or isinstance(item, (int, np.integer)) or _changes(item, out.shape[dim]):
            out = _basic_op(item).apply(out, (_FULL,) * dim + (item,))
            steps += 1
        if not isinstance(item, (int, np.integer)):
            dim += 1
    return out if steps else AliasBackward0.apply(x, index)


def _changes(item: slice, size: int) -> bool:
    return item.indices(size) != (0, size, 1)


def _pytorch_index_message(msg: str, shape) -> str:
    import re

    m = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        return f"index {m.group(1)} is out of bounds for dimension {m.group(2)} with size {m.group(3)}"
    if "too many indices" in msg:
        if not len(shape):
            return ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                    "convert a 0-dim tensor to a number")
        return f"too many indices for tensor of dimension {len(shape)}"
    return msg


class IndexPutBackward0(Op):
    """``out = x.clone(); out[index] = value``: the out-of-place form of __setitem__ with an advanced index."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.meta = (index, np.shape(value))
        out = x.copy()
        assign(out, index, value)
        return out

    @staticmethod
    def backward(ctx, g):
        index, value_shape = ctx.meta
        need = ctx.needs_input_grad
        gx = gv = None
        if need[0]:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[index] = 0
            gx = g * wrap(mask)
        if need[1]:
            gv = g[index]
            if gv.ndim > len(value_shape):
                gv = sum_to(gv, value_shape)
            elif gv.shape != value_shape:
                gv = gv.reshape(value_shape) if gv.numel() == int(np.prod(value_shape)) else sum_to(gv, value_shape)
        return gx, gv, None


class CopySlices(IndexPutBackward0):
    """``IndexPutBackward0`` for a basic index, which PyTorch writes through a view of ``x``."""


def assign(out: np.ndarray, index, value) -> None:
    """``out[index] = value`` with PyTorch's message when ``value`` does not broadcast to the target."""
    try:
        out[index] = value
    except ValueError:
        target = out[index].shape
        raise expand_error(np.shape(value), target) from None


def index_put(x, index, value):
    """``x`` with ``value`` written at ``index`` (out of place; ``__setitem__`` runs it in place)."""
    return (IndexPutBackward0 if _is_advanced(index) else CopySlices).apply(x, value, index)


# -- gather / scatter ------------------------------------------------------------------------------------------

def _full_index(index: np.ndarray, dim: int) -> tuple:
    """Index tuple addressing ``index``'s positions along ``dim`` and its own coordinates elsewhere."""
    grids = list(np.ogrid[tuple(slice(s) for s in index.shape)])
    grids[dim] = index
    return tuple(grids)


def _index_array(name: str, index) -> np.ndarray:
    data = index._data
    if data.dtype != np.int64 and data.dtype != np.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return data


def _check_bounds(index: np.ndarray, dim: int, size: int) -> None:
    bad = (index < 0) | (index >= size)
    if bad.any():
        raise RuntimeError(f"index {int(index.flat[int(np.argmax(bad))])} is out of bounds for dimension {dim} with "
                           f"size {size}")


def _check_gather(x_shape: tuple, dim: int, index: np.ndarray) -> None:
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (i, s) in enumerate(zip(index.shape, x_shape)):
        if d != dim and i > s:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                               f"larger than self {list(x_shape)} apart from dimension {dim}")
    if index.size:
        _check_bounds(index, dim, x_shape[dim] if x_shape else 1)


def _check_scatter(x_shape: tuple, dim: int, index: np.ndarray, src_shape: tuple | None) -> None:
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for d, i in enumerate(index.shape):
        if (d != dim and i > x_shape[d]) or (src_shape is not None and i > src_shape[d]):
            tail = f" and to be no larger size than src {list(src_shape)}" if src_shape is not None else ""
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(x_shape)} apart "
                               f"from dimension {dim}{tail}")
    if index.size:
        _check_bounds(index, dim, x_shape[dim] if x_shape else 1)


class GatherBackward0(Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x.shape, dim, index)
        if x.ndim == 0:
            return x.copy()
        return x[_full_index(index, dim)]

    @staticmethod
    def backward(ctx, g):
        shape, dim, index = ctx.meta
        if not shape:
            return g, None, None
        return scatter_add_into_zeros(g, shape, dim, index), None, None


def gather(input, dim: int, index):
    """``out[i][j] = input[index[i][j]][j]`` (for dim 0): values picked along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _index_array("gather", index)
    _check_gather(input.shape, dim, idx)
    return GatherBackward0.apply(input, dim, idx)


def _src_grad(g, dim: int, index: np.ndarray, src_shape: tuple):
    """The gradient of a scatter's ``src``: ``g`` gathered at ``index``, zero where src was not read."""
    out = GatherBackward0.apply(g, dim, index)
    if out.shape != src_shape:
        out = IndexPutImplBackward0.apply(out, src_shape, tuple(slice(s) for s in index.shape))
    return out


class ScatterAddBackward0(Op):
    @staticmethod
    def forward(ctx, x, src, dim, index):
        ctx.meta = (dim, index, src.shape)
        out = x.copy()
        if x.ndim == 0:
            return out + src
        np.add.at(out, _full_index(index, dim), src[tuple(slice(s) for s in index.shape)])
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, src_shape = ctx.meta
        need = ctx.needs_input_grad
        gsrc = None
        if need[1]:
            gsrc = g if g.ndim == 0 else _src_grad(g, dim, index, src_shape)
        return (g if need[0] else None), gsrc, None, None


def scatter_add_into_zeros(g, shape, dim: int, index: np.ndarray):
    """Zeros of ``shape`` with ``g`` added at ``index`` along ``dim`` (gather's backward)."""
    return ScatterAddBackward0.apply(zeros(shape, dtype=g.dtype), g, dim, index)


def _same_dtype(input, src) -> None:
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")


def scatter_add(input, dim: int, index, src):
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    dim = normalize_dim(dim, input.ndim)
    idx = _index_array("scatter_add", index)
    _same_dtype(input, src)
    _check_scatter(input.shape, dim, idx, src.shape)
    return ScatterAddBackward0.apply(input, src, dim, idx)


class ScatterBackward0(Op):
    """Write ``src`` (a Tensor) at ``index`` along ``dim``; optional reduce 'add'/'multiply'."""

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce):
        ctx.meta = (dim, index, np.shape(src), reduce)
        out = x.copy()
        if x.ndim == 0:
            where, values = (), src
        else:
            where = _full_index(index, dim)
            values = src[tuple(slice(s) for s in index.shape)] if np.ndim(src) else src
        if reduce is None:
            out[where] = values
        elif reduce == "add":
            np.add.at(out, where, values)
        else:
            np.multiply.at(out, where, values)
        return out

    @staticmethod
    def backward(ctx, g):
        dim, index, src_shape, reduce = ctx.meta
        if reduce == "multiply":
            raise RuntimeError("scatter(): the derivative for reduce='multiply' is not implemented")
        need = ctx.needs_input_grad
        gx = gsrc = None
        if need[0]:
            zero = np.zeros((), dtype=g._data.dtype)
            gx = g if reduce == "add" else ScatterBackward0.apply(g, zero, dim, index, None)
        if need[1]:
            gsrc = g if g.ndim == 0 else _src_grad(g, dim, index, src_shape)
        return gx, gsrc, None, None, None


class ScatterBackward1(ScatterBackward0):
    """``scatter`` of a number ``value``."""


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """``input`` with ``src`` (a tensor, or a number ``value``) written at ``index`` along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    idx = _index_array("scatter", index)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if src is None:
        src = value
    if hasattr(src, "_data"):
        _same_dtype(input, src)
        _check_scatter(input.shape, dim, idx, src.shape)
        return ScatterBackward0.apply(input, src, dim, idx, reduce)
    _check_scatter(input.shape, dim, idx, None)
    return ScatterBackward1.apply(input, np.asarray(src, dtype=input._data.dtype), dim, idx, reduce)


def index_select(input, dim: int, index):
    """The entries of ``input`` along ``dim`` at the positions in the 1-D ``index``."""
    dim = normalize_dim(dim, input.ndim)
    idx = index._data
    if idx.dtype != np.int64 and idx.dtype != np.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    size = input.shape[dim] if input.ndim else 1
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[int(np.argmax(bad))])} "
                           f"axis_dim={size}")
    if input.ndim == 0:
        return IndexSelectBackward0.apply(input.reshape(1), (idx,)).reshape(())
    return IndexSelectBackward0.apply(input, (slice(None),) * dim + (idx,))


class MaskedFillBackward0(Op):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.meta = (mask, x.shape)
        return np.where(mask, np.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        mask, shape = ctx.meta

        need = ctx.needs_input_grad
        m = wrap(mask)
        gx = g.masked_fill(m, 0) if need[0] else None
        gv = (g * m).sum() if need[2] else None
        return gx, None, gv


class MaskedFillBackward1(MaskedFillBackward0):
    """masked_fill with a 0-d tensor value: the value is an input of the node (of any dtype), as in PyTorch."""

    _inputs = (0, 2)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` (bool, broadcastable to input) is True."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.name}")
    if hasattr(value, "_data"):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if value.requires_grad and value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    out = (MaskedFillBackward1 if hasattr(value, "_data") else MaskedFillBackward0).apply(input, mask, value)
    if out.shape != input.shape:
        raise RuntimeError(f"masked_fill: mask of shape {list(mask.shape)} does not broadcast to the input's "
                           f"shape {list(input.shape)}")
    return out


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (both broadcast first)."""
    shape = np.broadcast_shapes(input.shape, mask.shape)
    x = input.expand(shape) if input.shape != shape else input
    return MaskedSelectBackward0.apply(x, np.broadcast_to(mask._data, shape))


def nonzero(input, *, as_tuple: bool = False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    data = input._data
    if data.ndim == 0:
        n = int(bool(data))
        return (wrap(np.zeros(n, dtype=np.int64)),) if as_tuple else wrap(np.zeros((n, 0), dtype=np.int64))
    idx = np.nonzero(data)
    if as_tuple:
        return tuple(wrap(i.astype(np.int64, copy=False)) for i in idx)
    return wrap(np.stack(idx, axis=1).astype(np.int64, copy=False))


def argwhere(input):
    """The indices of the nonzero elements, one row each: ``nonzero(input)``."""
    return nonzero(input)


def unravel_index(indices, shape):
    """The coordinates in ``shape`` of flat ``indices``: one int64 tensor per dim."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    data = indices._data if hasattr(indices, "_data") else np.asarray(indices)
    if data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    total = int(np.prod(shape))
    if ((data < -total) | (data >= total)).any():
        raise ValueError("index out of bounds for the given shape")
    return tuple(wrap(c.astype(np.int64)) for c in np.unravel_index(data % max(total, 1), shape))


def nonzero_static(input, *, size: int, fill_value: int = -1):
    """``nonzero(input)`` cut or padded (with ``fill_value``) to exactly ``size`` rows."""
    found = np.argwhere(input._data).astype(np.int64)
    out = np.full((size, input.ndim), fill_value, dtype=np.int64)
    out[:min(size, len(found))] = found[:size]
    return wrap(out)
