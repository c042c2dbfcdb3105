"""Helpers shared by the distributions: broadcasting parameters, probabilities and logits, cached properties,
lower-triangular packing."""
from __future__ import annotations

import numbers
from functools import update_wrapper

import numpy as np

from .. import _creation, _naming
from .._dtype import get_default_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..ops import clamp, log, log1p, sigmoid, softmax

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060  # Euler Mascheroni Constant


def broadcast_all(*values) -> tuple:
    """Broadcast tensors and numbers together; numbers become tensors of the first tensor's dtype (or the
    default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        name = _naming.PACKAGE
        raise ValueError(f"Input arguments must all be instances of Number, {name}.Tensor or objects implementing "
                         f"__{name}_function__.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
    # numbers go through a float64 array: a Python float converted straight to float64 would pass through float32
    tensors = [v if isinstance(v, Tensor) else _creation.tensor(np.asarray(v), dtype=dtype) for v in values]
    shape = np.broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


def _standard_normal(shape, dtype, device=None) -> Tensor:
    return _creation.randn(tuple(shape), dtype=dtype)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: sigmoid for binary events, softmax over the last dim otherwise."""
    return sigmoid(logits) if is_binary else softmax(logits, -1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into [eps, 1 - eps] of their dtype."""
    eps = float(np.finfo(probs._data.dtype).eps)
    return clamp(probs, eps, 1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities: log-odds for binary events, log-probabilities otherwise."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return log(ps_clamped) - log1p(-ps_clamped)
    return log(ps_clamped)


class lazy_property:
    """A property computed on first access and then stored on the instance (so ``expand`` can copy it)."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property reads as on the class: a property too, for documentation tools."""

    def __init__(self, wrapped) -> None:
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower triangle (from diagonal ``diag``) of the last two dims as a vector, row by row."""
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    arange = np.arange(n)
    tril_mask = arange < arange.reshape(-1, 1) + (diag + 1)
    return mat[..., _creation.tensor(tril_mask)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of ``tril_matrix_to_vec``: a lower-triangular matrix from its packed vector."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = float(np.finfo(vec._data.dtype).eps)
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as the lower "
                         "triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    arange = np.arange(n)
    tril_mask = arange < arange.reshape(-1, 1) + (diag + 1)
    rows, cols = np.nonzero(tril_mask)
    return _scatter_tril(mat, vec, rows, cols)


def _scatter_tril(mat: Tensor, vec: Tensor, rows: np.ndarray, cols: np.ndarray) -> Tensor:
    """``mat`` with ``vec`` written at (rows, cols) of its last two dims, differentiably in ``vec``."""
    n = mat.shape[-1]
    flat = _creation.tensor(rows * n + cols).expand(tuple(vec.shape[:-1]) + (len(rows),))
    out = mat.reshape(tuple(mat.shape[:-2]) + (n * n,)).scatter(-1, flat, vec)
    return out.reshape(mat.shape)


def _mvlgamma(x: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``: ``log pi * p(p-1)/4 + sum_i lgamma(x - i/2)``."""
    offsets = _creation.arange(p, dtype=x.dtype) * -0.5
    return (x.unsqueeze(-1) + offsets).lgamma().sum(-1) + p * (p - 1) / 4 * float(np.log(np.pi))
