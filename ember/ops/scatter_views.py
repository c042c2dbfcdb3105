"""Writes into a copy: index_put (with accumulate), put, select_scatter, slice_scatter, diagonal_scatter. Each is
composed from the differentiable indexed writes and index_add, so gradients reach both ``input`` and the values;
the in-place methods (``index_put_``, ``put_``) run them through ``apply_inplace``."""
from __future__ import annotations

import numpy as np

from .._size import normalize_dim
from .._tensor import wrap
from .diagonal import _dims
from .index import index_put as _write
from .index_dim import index_add


def _positions(indices, shape: tuple) -> tuple[np.ndarray, int]:
    """The flat positions, over the first dims of ``shape``, that a tuple of index tensors addresses (bool masks
    count for the dims they cover), and how many dims they cover."""
    arrays = []
    for i in indices:
        data = i._data
        arrays.extend(np.nonzero(data) if data.dtype == np.bool_ else [data.astype(np.int64, copy=False)])
    dims = len(arrays)
    arrays = np.broadcast_arrays(*arrays)
    for k, a in enumerate(arrays):
        if ((a < -shape[k]) | (a >= shape[k])).any():
            bad = int(a[(a < -shape[k]) | (a >= shape[k])][0])
            raise IndexError(f"index {bad} is out of bounds for dimension {k} with size {shape[k]}")
    return np.ravel_multi_index(tuple(a % shape[k] for k, a in enumerate(arrays)), shape[:dims]), dims


def index_put(input, indices, values, accumulate: bool = False):
    """``input`` with ``values`` written (or, with ``accumulate``, added, repeated indices adding up) at the
    positions the tuple of index tensors ``indices`` addresses."""
    if not accumulate:
        return _write(input, tuple(i._data for i in indices), values.to(input.dtype))
    flat, dims = _positions(indices, tuple(input.shape))
    rest = tuple(input.shape[dims:])
    table = input.reshape((-1,) + rest)
    added = values.to(input.dtype).expand(flat.shape + rest).reshape((-1,) + rest)
    return index_add(table, 0, wrap(flat.reshape(-1)), added).reshape(input.shape)


def put(input, index, source, accumulate: bool = False):
    """``input`` with ``source``'s elements written (or added) at the flat positions ``index``."""
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    flat = input.reshape(-1)
    return index_put(flat, (index.reshape(-1),), source.reshape(-1), accumulate).reshape(input.shape)


def select_scatter(input, src, dim: int, index: int):
    """``input`` with ``src`` written into the slice ``select(dim, index)``."""
    dim = normalize_dim(dim, input.ndim)
    key = (slice(None),) * dim + (index,)
    _expect_shape(input[key].shape, src.shape, "select_scatter")
    return _write(input, key, src.to(input.dtype))


def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1):
    """``input`` with ``src`` written into the slice ``start:end:step`` of ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    key = (slice(None),) * dim + (slice(start, end, step),)
    _expect_shape(input[key].shape, src.shape, "slice_scatter")
    return _write(input, key, src.to(input.dtype))


def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """``input`` with ``src`` written onto the diagonal ``diagonal(offset, dim1, dim2)``."""
    d1, d2 = _dims(input.ndim, dim1, dim2)
    _expect_shape(input.diagonal(offset, d1, d2).shape, src.shape, "diagonal_scatter")
    n = src.shape[-1] if src.ndim else 0
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    key = [slice(None)] * input.ndim
    key[d1], key[d2] = rows, cols
    # advanced indices on two dims put the diagonal's axis first; src keeps it last
    moved = src.movedim(-1, 0) if _diagonal_axis_first(d1, d2) else src.movedim(-1, min(d1, d2))
    return _write(input, tuple(key), moved.to(input.dtype))


def _diagonal_axis_first(d1: int, d2: int) -> bool:
    """NumPy moves the axis of two advanced indices to the front unless the two dims are adjacent."""
    return abs(d1 - d2) != 1


def _expect_shape(want: tuple, got: tuple, fn: str) -> None:
    if tuple(want) != tuple(got):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(got)}, slice "
                           f"size = {list(want)}")
