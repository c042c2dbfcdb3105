"""Diagonals: diagonal (a view), diag_embed, diag and trace."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op
from ._util import normalize_dim


def _diagonal_view(x: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """The writable strided view of ``x``'s diagonal ``offset`` over dims d1, d2, moved to the last dim."""
    n1, n2 = x.shape[d1], x.shape[d2]
    n = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    start = [0] * x.ndim
    if n:
        start[d2 if offset >= 0 else d1] = abs(offset)
    first = x[tuple(slice(s, None) for s in start)] if n else x
    keep = [i for i in range(x.ndim) if i not in (d1, d2)]
    shape = tuple(x.shape[i] for i in keep) + (n,)
    strides = tuple(x.strides[i] for i in keep) + (x.strides[d1] + x.strides[d2],)
    return as_strided(first, shape, strides, writeable=x.flags.writeable)


def _dims(ndim: int, dim1: int, dim2: int) -> tuple:
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


class DiagonalBackward0(Op):
    """``x.diagonal(offset, dim1, dim2)``: a view of the diagonal, which becomes the last dim."""

    _is_view = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.meta = (x.shape, offset, d1, d2)
        return _diagonal_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, d1, d2 = ctx.meta
        return DiagonalBackwardBackward0.apply(g, shape, offset, d1, d2), None, None, None


class DiagonalBackward0_copy(DiagonalBackward0):
    """``diag`` of a matrix: the diagonal as a new tensor."""

    _is_view = False

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.meta = (x.shape, offset, d1, d2)
        return _diagonal_view(x, offset, d1, d2).copy()


class DiagonalBackwardBackward0(Op):
    """Zeros of ``shape`` with ``g`` written on the diagonal (Diagonal's backward; its own is a diagonal)."""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.meta = (offset, d1, d2)
        out = np.zeros(shape, dtype=g.dtype)
        _diagonal_view(out, offset, d1, d2)[...] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        offset, d1, d2 = ctx.meta
        return DiagonalBackward0.apply(gg, offset, d1, d2), None, None, None, None


class DiagEmbedBackward0(Op):
    """The last dim of ``x`` written on diagonal ``offset`` of two new dims d1, d2 (the rest zero)."""

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.meta = (offset, d1, d2)
        n = (x.shape[-1] if x.ndim else 1) + abs(offset)
        shape = list(x.shape[:-1])
        for d in sorted((d1, d2)):
            shape.insert(d, n)
        out = np.zeros(shape, dtype=x.dtype)
        _diagonal_view(out, offset, d1, d2)[...] = x
        return out

    @staticmethod
    def backward(ctx, g):
        offset, d1, d2 = ctx.meta
        return DiagonalBackward0.apply(g, offset, d1, d2), None, None, None


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal ``offset`` of the dims ``dim1`` and ``dim2`` as a view (it becomes the last dim)."""
    d1, d2 = _dims(input.ndim, dim1, dim2)
    return DiagonalBackward0.apply(input, offset, d1, d2)


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """A tensor whose diagonals (over ``dim1``, ``dim2``) hold the last dim of ``input``."""
    d1, d2 = _dims(input.ndim + 1, dim1, dim2)
    return DiagEmbedBackward0.apply(input, offset, d1, d2)


def diag(input, diagonal: int = 0):
    """A 1-D input becomes a square matrix with it on diagonal ``diagonal``; a 2-D input gives that diagonal."""
    if input.ndim == 1:
        return DiagEmbedBackward0.apply(input, diagonal, 0, 1)
    if input.ndim == 2:
        return DiagonalBackward0_copy.apply(input, diagonal, 0, 1)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got {}D".format(input.ndim))


class TraceBackward0(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return np.asarray(np.trace(x, dtype=np.int64 if x.dtype.kind in "biu" else x.dtype))

    @staticmethod
    def backward(ctx, g):
        n = min(ctx.shape)
        return DiagonalBackwardBackward0.apply(g.expand(n), ctx.shape, 0, 0, 1)


def trace(input):
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return TraceBackward0.apply(input)


def diagflat(input, offset: int = 0):
    """A 2-D tensor with ``input``'s elements (flattened) on the ``offset`` diagonal."""
    return diag(input.reshape(-1), offset)
