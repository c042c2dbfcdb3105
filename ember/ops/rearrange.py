"""Dimension moves and views composed from the shape ops: movedim/moveaxis, swapdims, adjoint, ravel, unfold
(sliding windows), split_with_sizes and the ``unsafe_`` splits, sum_to_size."""
from __future__ import annotations

import numpy as np

from .._size import normalize_dim
from .._tensor import wrap
from ..autograd.function import Op
from ._util import sum_to
from .shape import chunk, permute, reshape, split, transpose


def movedim(input, source, destination):
    """``input`` with the dims ``source`` moved to the positions ``destination`` (the others keep their order)."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    ndim = input.ndim
    src = [normalize_dim(d, ndim) for d in src]
    dst = [normalize_dim(d, ndim) for d in dst]
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, [o if o is not None else next(rest) for o in order])


moveaxis = movedim
swapdims = transpose


def adjoint(input):
    """The conjugate transpose of the last two dims (a view)."""
    if input.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.")
    out = transpose(input, -2, -1)
    return out.conj() if input._data.dtype.kind == "c" else out


def ravel(input):
    """``input`` flattened to one dim."""
    return reshape(input, (-1,))


class UnfoldBackward0(Op):
    """``unfold(dim, size, step)``: the windows of ``size`` elements every ``step`` along ``dim``, as a new last dim."""

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.meta = (x.shape, dim, size, step)
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)
        return np.ascontiguousarray(windows[(slice(None),) * dim + (slice(None, None, step),)])

    @staticmethod
    def backward(ctx, g):
        shape, dim, size, step = ctx.meta
        count = g.shape[dim]
        grad = g.new_zeros(shape)
        starts = np.arange(count) * step
        for k in range(size):  # one index_add per window position, not per window
            grad = grad.index_add(dim, wrap(starts + k), g.select(-1, k))
        return grad, None, None, None


def unfold(input, dimension: int, size: int, step: int):
    """Sliding windows of ``size`` along ``dimension`` every ``step`` (``Tensor.unfold``)."""
    dim = normalize_dim(dimension, max(input.ndim, 1))
    length = input.shape[dim] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return input.reshape(1)
    return UnfoldBackward0.apply(input, dim, size, step)


def split_with_sizes(input, split_sizes, dim: int = 0):
    """Views of ``input`` along ``dim`` of the given sizes (which must add up to its length)."""
    dim = normalize_dim(dim, input.ndim)
    if sum(split_sizes) != input.shape[dim]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {input.shape[dim]} (input tensor's "
                           f"size at dimension {dim}), but got split_sizes={list(split_sizes)}")
    return split(input, list(split_sizes), dim)


unsafe_split = split
unsafe_chunk = chunk
unsafe_split_with_sizes = split_with_sizes


def sum_to_size(input, *size):
    """``input`` summed down to ``size`` (which it must expand to)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    try:
        np.broadcast_shapes(shape, input.shape)
        expandable = np.broadcast_shapes(shape, input.shape) == tuple(input.shape)
    except ValueError:
        expandable = False
    if not expandable:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(input.shape)}}}.")
    return sum_to(input, shape)
