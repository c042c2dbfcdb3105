"""Helpers shared by the linear-algebra op files: PyTorch's argument checks and messages, ``LinAlgError``, the
named results (``ember.return_types.linalg_slogdet``) and the search for the failing pivot or minor that PyTorch's
errors name."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._dtype import _type_name, is_floating, is_real_floating


class _LinAlgError(RuntimeError):
    """A matrix the factorization cannot handle (singular, not positive-definite); PyTorch's
    ``torch.linalg.LinAlgError``, a RuntimeError subclass whose class is named ``_LinAlgError``."""


_LinAlgError.__module__ = "ember.linalg"
LinAlgError = _LinAlgError


def named_result(name: str, fields: str) -> type:
    """A tuple class printed as ``ember.return_types.<name>(field=..., ...)``, as PyTorch's structseqs."""
    base = namedtuple("_" + name, fields.split())

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"

    return type(name, (base,), {"__repr__": __repr__, "__module__": "ember.return_types", "__slots__": ()})


def check_matrix(A, fn: str, square: bool = True, name: str = "A") -> None:
    """PyTorch's checks, in its order: at least 2 dims, square (when asked), floating dtype."""
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    check_float(A, fn)


def check_float(A, fn: str) -> None:
    if not is_floating(A._data.dtype):
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(A._data.dtype)}")


def check_same_dtype(A, B, fn: str) -> None:
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{fn}: Expected A and B to have the same dtype, but found A of type "
                           f"{_type_name(A._data.dtype)} and B of type {_type_name(B._data.dtype)} instead")


def batch_prefix(shape: tuple, flat_index: int) -> str:
    """``(Batch element i): `` for a batched input (PyTorch numbers the flattened batch), '' for one matrix."""
    return f"(Batch element {flat_index}): " if len(shape) > 2 else ""


def lu_zero_pivots(a: np.ndarray) -> np.ndarray:
    """For each matrix of the batch, the 1-based index of the first zero diagonal element of its partially
    pivoted LU factor U (0 when there is none): the element PyTorch's singular-matrix messages name.

    Gaussian elimination vectorised over the batch; one step per column (only run on the error path).
    """
    u = np.array(a, dtype=np.float64 if is_real_floating(a.dtype) else np.complex128).reshape(-1, *a.shape[-2:])
    n = u.shape[-1]
    rows = np.arange(u.shape[0])
    first = np.zeros(u.shape[0], dtype=np.int64)
    for k in range(n):
        p = k + np.argmax(np.abs(u[:, k:, k]), axis=1)
        u[rows, k], u[rows, p] = u[rows, p], u[rows, k].copy()
        pivot = u[:, k, k]
        zero = pivot == 0
        first[(first == 0) & zero] = k + 1
        safe = np.where(zero, 1, pivot)
        factors = np.where(zero[:, None], 0, u[:, k + 1:, k] / safe[:, None])
        u[:, k + 1:, :] -= factors[:, :, None] * u[:, k:k + 1, :]
    return first


def not_positive_definite_order(a: np.ndarray) -> int:
    """The order of the first leading minor of the matrix ``a`` that is not positive-definite."""
    for k in range(1, a.shape[-1] + 1):
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0
