"""Arranging tensors into bigger or smaller ones: NumPy-style stacking (``hstack``, ``vstack``, ``dstack``,
``column_stack``, ``atleast_Nd``, ``block_diag``), splitting (``tensor_split``, ``hsplit``/``vsplit``/``dsplit``),
tiling and rotating, broadcasting a list, and index grids (``tril_indices``, ``combinations``).

Most are compositions of ``cat``, ``reshape``, ``narrow``, ``flip`` and ``repeat``, whose nodes are the ones
PyTorch records too; ``block_diag`` and ``rot90`` have nodes of their own in PyTorch and here.
"""
from __future__ import annotations

import itertools

import numpy as np

from .._creation import tensor as _tensor_from
from .._dtype import _promote, int64
from .._size import Size, normalize_dim
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import broadcast_error
from .shape import _tensor_list, cat, flip, narrow, repeat, reshape, stack, unsqueeze

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "concat", "concatenate", "block_diag", "tensor_split", "hsplit", "vsplit", "dsplit", "tile", "rot90",
           "fliplr", "flipud", "broadcast_tensors", "broadcast_shapes", "tril_indices", "triu_indices",
           "combinations"]


def _atleast(by_ndim: dict, tensors: tuple):
    """One tensor in, one out; several (or a list) in, a tuple out, as PyTorch's ``atleast_Nd``."""
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    items = list(tensors[0]) if len(tensors) == 1 and not single else list(tensors)
    out = tuple(by_ndim[t.ndim](t) if t.ndim in by_ndim else t for t in _tensor_list(items))
    return out[0] if single else out


def atleast_1d(*tensors):
    """0-d tensors become ``(1,)``."""
    return _atleast({0: lambda t: reshape(t, (1,))}, tensors)


def atleast_2d(*tensors):
    """0-d tensors become ``(1, 1)``, 1-d ``(n,)`` become ``(1, n)``."""
    return _atleast({0: lambda t: reshape(t, (1, 1)), 1: lambda t: unsqueeze(t, 0)}, tensors)


def atleast_3d(*tensors):
    """0-d become ``(1, 1, 1)``, ``(n,)`` become ``(1, n, 1)``, ``(m, n)`` become ``(m, n, 1)``."""
    return _atleast({0: lambda t: reshape(t, (1, 1, 1)), 1: lambda t: unsqueeze(unsqueeze(t, 0), -1),
                     2: lambda t: unsqueeze(t, -1)}, tensors)


def _non_empty(name: str, tensors) -> list:
    tensors = _tensor_list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors):
    """Concatenate along the columns (the only dim of 1-d tensors)."""
    tensors = atleast_1d(_non_empty("hstack", tensors))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along the rows, 1-d tensors counting as one row."""
    return cat(atleast_2d(_non_empty("vstack", tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along the third dim, after ``atleast_3d``."""
    return cat(atleast_3d(_non_empty("dstack", tensors)), 2)


def column_stack(tensors):
    """Concatenate along the columns, 0-d and 1-d tensors counting as one column."""
    tensors = _non_empty("column_stack", tensors)
    return cat([reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors], 1)


def concat(tensors, dim: int = 0):
    """Alias of ``cat``."""
    return cat(tensors, dim)


concatenate = concat


class BlockDiagBackward0(Op):
    @staticmethod
    def forward(ctx, dtype, *blocks):
        rows = [b.shape[0] for b in blocks]
        cols = [b.shape[1] for b in blocks]
        out = np.zeros((sum(rows), sum(cols)), dtype=dtype)
        ctx.corners = []
        r = c = 0
        for b in blocks:
            out[r:r + b.shape[0], c:c + b.shape[1]] = b
            ctx.corners.append((r, c, b.shape))
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g[r:r + s[0], c:c + s[1]] for r, c, s in ctx.corners)


def block_diag(*tensors):
    """The tensors as blocks along a diagonal of zeros; 0-d count as ``(1, 1)``, 1-d ``(n,)`` as ``(1, n)``."""
    blocks = _tensor_list(tensors)
    for i, t in enumerate(blocks):
        if t.ndim > 2:
            raise RuntimeError(f"ember.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
    if not blocks:
        return _tensor_from(np.zeros((1, 0), np.float32))
    dtype = blocks[0]._data.dtype
    for t in blocks[1:]:
        dtype = _promote(dtype, 2, t._data.dtype, 2)
    blocks = [reshape(t, (1, 1)) if t.ndim == 0 else reshape(t, (1, t.shape[0])) if t.ndim == 1 else t
              for t in blocks]
    return BlockDiagBackward0.apply(dtype, *blocks)


def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """Views of ``input`` split at the given indices, or into ``sections`` parts whose sizes differ by at most one
    (the first ``size % sections`` one longer)."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(indices_or_sections, Tensor) and indices_or_sections.ndim == 0:
        indices_or_sections = int(indices_or_sections.item())
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        small, extra = divmod(size, sections)
        bounds = list(itertools.accumulate([small + 1] * extra + [small] * (sections - extra), initial=0))
    else:
        cuts = [int(i) for i in (indices_or_sections.tolist() if isinstance(indices_or_sections, Tensor)
                                 else indices_or_sections)]
        bounds = [0] + [min(max(c if c >= 0 else c + size, 0), size) for c in cuts] + [size]
    return tuple(narrow(input, dim, a, max(b - a, 0)) for a, b in zip(bounds, bounds[1:]))


def _split_along(name: str, input, sections, dim: int, min_dims: int) -> tuple:
    if input.ndim < min_dims:
        raise RuntimeError(f"ember.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(sections, int) and (sections == 0 or input.shape[dim] % sections):
        if sections == 0:
            raise RuntimeError(f"ember.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {input.shape[dim]} is not divisible by the split_size 0!")
        raise RuntimeError(f"ember.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, sections) -> tuple:
    """Split along the columns (dim 1, or 0 for a 1-d tensor); an int must divide the size."""
    return _split_along("hsplit", input, sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input, sections) -> tuple:
    """Split along dim 0 of a tensor of at least two dims; an int must divide the size."""
    return _split_along("vsplit", input, sections, 0, 2)


def dsplit(input, sections) -> tuple:
    """Split along dim 2 of a tensor of at least three dims; an int must divide the size."""
    return _split_along("dsplit", input, sections, 2, 3)


def tile(input, *dims):
    """``repeat`` with ``dims`` padded with leading ones to the input's dims."""
    dims = tuple(dims[0]) if len(dims) == 1 and not isinstance(dims[0], int) else dims
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


class Rot90Backward0(Op):
    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.k, ctx.dims = k, dims
        return np.rot90(x, k, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return rot90(g, -ctx.k, ctx.dims), None, None


def rot90(input, k: int = 1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (normalize_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return Rot90Backward0.apply(input, k % 4, (d0, d1))


def fliplr(input):
    """Reverse the columns (dim 1)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    """Reverse the rows (dim 0)."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def broadcast_shapes(*shapes) -> Size:
    """The shape the given shapes broadcast to (PyTorch's messages when they do not)."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out = [1] * max((len(s) for s in shapes), default=0)
    for i, shape in enumerate(shapes):
        for j in range(-1, -1 - len(shape), -1):
            n = shape[j]
            if n < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if n == 1 or n == out[j]:
                continue
            if out[j] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {n} at {j}! Mismatching argument "
                                   f"at index {i} had {shape}; but expected shape should be broadcastable to {out}")
            out[j] = n
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """Each tensor expanded to the common broadcast shape (views; a tensor of that shape is returned as is)."""
    tensors = _tensor_list(tensors[0] if len(tensors) == 1 and not isinstance(tensors[0], Tensor) else tensors)
    shape = tensors[0].shape
    for t in tensors[1:]:
        try:
            shape = broadcast_shapes(shape, t.shape)
        except RuntimeError:
            raise broadcast_error(tuple(shape), tuple(t.shape)) from None
    return tuple(t if t.shape == shape else t.expand(*shape) for t in tensors)


def _triangle_indices(rows: np.ndarray, cols: np.ndarray, dtype):
    return _tensor_from(np.stack([rows, cols]), dtype=dtype)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=int64, device=None, layout=None):
    """The ``(2, N)`` row and column indices of the lower triangle of a ``row x col`` matrix, row by row."""
    return _triangle_indices(*np.tril_indices(row, offset, col), dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=int64, device=None, layout=None):
    """The ``(2, N)`` row and column indices of the upper triangle of a ``row x col`` matrix, row by row."""
    return _triangle_indices(*np.triu_indices(row, offset, col), dtype)


def combinations(input, r: int = 2, with_replacement: bool = False):
    """The length-``r`` combinations of a 1-d tensor's elements, one per row, in lexicographic order of position."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _tensor_from(np.empty((0,), input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return stack([input[_tensor_from(index[:, j])] for j in range(r)], 1)
