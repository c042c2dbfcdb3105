"""Distances and normalisation: ``F.normalize``, ``F.cosine_similarity``, ``F.pairwise_distance``, ``F.pdist``.

All are compositions of differentiable ops, so double backward works through them.
"""
from __future__ import annotations

import numpy as np

from ..._dtype import get_default_dtype, is_real_floating, result_type
from ...autograd.grad_mode import no_grad
from ..arith import AddBackward1
from ..reduce import LinalgVectorNormBackward0
from .._util import broadcast_error, normalize_dim

__all__ = ["normalize", "cosine_similarity", "pairwise_distance", "pdist"]


class NormBackward1(LinalgVectorNormBackward0):
    """``at::norm`` over the last dim, which pairwise_distance calls (``Tensor.norm`` records
    ``LinalgVectorNormBackward0``)."""


class PdistBackward0(LinalgVectorNormBackward0):
    """The norms of the row differences: ember composes ``pdist`` from indexing, a difference and this norm, so
    only the last node is PyTorch's (whose single node reads the input directly)."""


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


def _broadcast_pair(x1, x2):
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise broadcast_error(tuple(x1.shape), tuple(x2.shape)) from None
    return (x1 if tuple(x1.shape) == shape else x1.expand(shape),
            x2 if tuple(x2.shape) == shape else x2.expand(shape))


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast first)."""
    dt = result_type(x1, x2)
    if not is_real_floating(dt):
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {dt.name}")
    x1, x2 = x1.to(dt), x2.to(dt)
    x1, x2 = _broadcast_pair(x1, x2)
    dim = normalize_dim(dim, x1.ndim)
    # Each input is divided by its own norm first (keeps the result in [-1, 1]); as in PyTorch the eps floor is
    # applied without recording, so the gradient treats the norms as unclamped.
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_(min=eps)
        n2.clamp_(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """``||x1 - x2 + eps||_p`` over the last dim (inputs broadcast)."""
    ndim = max(x1.ndim, x2.ndim)
    diff = x1 - x2
    # PyTorch adds eps as a Scalar (AddBackward1); integer differences promote to the default dtype
    diff = AddBackward1.apply(diff, eps) if diff.is_floating_point() else diff + eps
    return NormBackward1.apply(diff, float(p), (ndim - 1,) if ndim else None, keepdim)


def pdist(input, p: float = 2.0):
    """The ``N * (N - 1) / 2`` p-norm distances between the rows of an ``(N, M)`` input (upper triangle order)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if not is_real_floating(input._data.dtype):
        input = input.to(get_default_dtype())
    i, j = np.triu_indices(input.shape[0], 1)
    return PdistBackward0.apply(input[i] - input[j], float(p), (1,), False)
