"""Ops that combine or replicate tensors, composed from views and products: repeat_interleave, meshgrid,
cartesian_prod, kron."""
from __future__ import annotations

import warnings

import numpy as np

from ._util import normalize_dim
from .shape import ExpandBackward0, UnsafeViewBackward0, stack
from .._tensor import wrap


def repeat_interleave(input, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times; ``repeat_interleave(counts)`` of a 1-D
    integer tensor gives ``arange(len(counts))`` so repeated."""
    if repeats is None:  # repeat_interleave(repeats): the indices that repeat each position
        counts = input._data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return wrap(np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts))
    if dim is None:
        input, dim = input.flatten(), 0
    dim = normalize_dim(dim, input.ndim)
    if hasattr(repeats, "_data"):
        counts = repeats._data
        if counts.ndim == 0 or counts.size == 1:
            counts = np.full(input.shape[dim], counts.reshape(()))
        if counts.ndim != 1 or counts.shape[0] != input.shape[dim]:
            raise RuntimeError("repeats must have the same size as input along dim")
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        index = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
        return input.index_select(dim, wrap(index))
    if repeats < 0:
        raise RuntimeError("repeats can not be negative")
    # PyTorch's graph: unsqueeze, expand, clone (contiguous), view
    shape = list(input.shape)
    wide = shape[:dim + 1] + [repeats] + shape[dim + 1:]
    out = input.unsqueeze(dim + 1).expand(wide).clone()
    shape[dim] *= repeats
    return out.view(shape)


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids: output i varies along dim i (``indexing='ij'``) or with the first two dims swapped
    (``'xy'``); each is a broadcast view of its input."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    sizes = [tensors[i].numel() for i in order]
    out = []
    for i, t in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[order.index(i)] = -1
        out.append(ExpandBackward0.apply(t.view(shape), tuple(sizes)))
    return tuple(out)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one per row (a 1-D input is returned as is)."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.flatten() for g in meshgrid(*tensors, indexing="ij")], dim=1)


def kron(input, other):
    """Kronecker product: blocks ``input[i, j] * other``, over as many dims as the larger operand has."""
    n = max(input.ndim, other.ndim)
    a_shape = (1,) * (n - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (n - other.ndim) + tuple(other.shape)
    # interleave the dims: a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...); PyTorch records _unsafe_view
    a = UnsafeViewBackward0.apply(input, tuple(s for d in a_shape for s in (d, 1)))
    b = UnsafeViewBackward0.apply(other, tuple(s for d in b_shape for s in (1, d)))
    return UnsafeViewBackward0.apply(a * b, tuple(x * y for x, y in zip(a_shape, b_shape)))
