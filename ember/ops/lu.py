"""LU factorisation with partial pivoting: lu_factor, lu_factor_ex, lu, lu_solve (``torch.linalg``'s names).

NumPy has no LU, so the factorisation is Gaussian elimination vectorised over the batch, one step per column,
choosing pivots as LAPACK's getrf does (the largest magnitude in the column, first on ties), so the pivots match
PyTorch's. Pivots are LAPACK's: 1-based, int32, ``pivots[i]`` the row swapped with row i at step i.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._dtype import _type_name, is_floating
from .._tensor import wrap
from ..autograd.function import Op
from ._linalg import check_same_dtype, named_result
from .solvers import solve_triangular

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "lu_unpack"]

_lu_factor_t = named_result("linalg_lu_factor", "LU pivots")
_lu_factor_ex_t = named_result("linalg_lu_factor_ex", "LU pivots info")
_lu_t = named_result("linalg_lu", "P L U")


def _getrf(a: np.ndarray) -> tuple:
    """(packed LU, 1-based pivots, info) of each matrix: L's unit-diagonal strict lower part and U share one
    array; info is the 1-based index of the first zero pivot (0: none)."""
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    lu = np.array(a).reshape(-1, m, n)
    rows = np.arange(lu.shape[0])
    k = min(m, n)
    pivots = np.zeros((lu.shape[0], k), dtype=np.int32)
    info = np.zeros(lu.shape[0], dtype=np.int32)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        swap = lu[rows, p].copy()
        lu[rows, p] = lu[:, j]
        lu[:, j] = swap
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        factors = lu[:, j + 1:, j] / np.where(zero, 1, pivot)[:, None]
        factors[zero] = 0
        lu[:, j + 1:, j] = factors
        lu[:, j + 1:, j + 1:] -= factors[:, :, None] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def _permutation(pivots: np.ndarray, m: int, dtype) -> np.ndarray:
    """P with ``A = P L U`` from LAPACK's sequential row swaps."""
    flat = pivots.reshape(-1, pivots.shape[-1]) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        perm[rows, j], perm[rows, p] = perm[rows, p], perm[rows, j].copy()
    eye = np.eye(m, dtype=dtype)
    # row i of P^T A is row perm[i] of A, so P = eye[perm].T
    return np.swapaxes(eye[perm], -1, -2).reshape(pivots.shape[:-1] + (m, m))


def _unpack(lu: np.ndarray) -> tuple:
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    up = np.triu(lu[..., :k, :])
    return low, up


def _lu_grad(p, low, up, gl, gu):
    """PyTorch's gradient of ``A = P L U`` for square A: ``P L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}``."""
    phi = None
    if gl is not None:
        phi = (low.mT @ gl).tril(-1)
    if gu is not None:
        t = (gu @ up.mT).triu()
        phi = t if phi is None else phi + t
    x = solve_triangular(low.mT, phi, upper=True, unitriangular=True)
    x = solve_triangular(up.mT, x, upper=False, left=False)
    return p @ x


class LinalgLuFactorExBackward0(Op):
    """``(LU, pivots, info)``: L and U packed in one matrix; the gradient splits gLU into gL and gU."""

    @staticmethod
    def forward(ctx, a):
        lu, pivots, info = _getrf(a)
        ctx.save_for_backward(lu, _permutation(pivots, a.shape[-2], a.dtype))
        ctx.square = a.shape[-1] == a.shape[-2]
        return lu, pivots, info

    @staticmethod
    def backward(ctx, g, g_pivots, g_info):
        if not ctx.square:
            raise NotImplementedError("linalg.lu_factor: the derivative is implemented for square matrices only")
        lu, p = ctx.saved_tensors
        low = lu.tril(-1) + lu.new_ones(lu.shape[-1]).diag_embed()
        return _lu_grad(p, low, lu.triu(), g.tril(-1), g.triu())


def _check_lu_input(A, fn: str) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{fn}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} "
                           "instead")
    if not is_floating(A._data.dtype):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_type_name(A._data.dtype)}'")


def _check_pivot(pivot: bool) -> None:
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False):
    """``(LU, pivots, info)`` of each matrix; ``info`` names the first zero pivot instead of an error."""
    _check_lu_input(A, "ember.lu_factor")
    _check_pivot(pivot)
    lu_, pivots, info = LinalgLuFactorExBackward0.apply(A)
    if check_errors and info._data.any():
        raise RuntimeError("linalg.lu_factor_ex: U is singular")
    return _lu_factor_ex_t(lu_, pivots, info)


def lu_factor(A, *, pivot: bool = True):
    """``(LU, pivots)``: the packed LU factorisation with partial pivoting; an error for a singular matrix."""
    _check_lu_input(A, "ember.lu_factor")
    _check_pivot(pivot)
    lu_, pivots, info = LinalgLuFactorExBackward0.apply(A)
    flat = info._data.reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        k = int(flat[bad[0]])
        prefix = f"(Batch element {int(bad[0])}): " if A.ndim > 2 else ""
        raise RuntimeError(f"ember.linalg.lu_factor: {prefix}U[{k},{k}] is zero and using it on lu_solve would "
                           "result in a division by zero. If you still want to perform the factorization, consider "
                           "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return _lu_factor_t(lu_, pivots)


class LinalgLuBackward0(Op):
    """``(P, L, U)`` with ``A = P L U``; P carries no gradient."""

    @staticmethod
    def forward(ctx, a):
        lu_, pivots, _ = _getrf(a)
        p = _permutation(pivots, a.shape[-2], a.dtype)
        low, up = _unpack(lu_)
        ctx.square = a.shape[-1] == a.shape[-2]
        ctx.save_for_backward(p, low, up)
        return p, low, up

    @staticmethod
    def backward(ctx, gp, gl, gu):
        if not ctx.square:
            raise NotImplementedError("linalg.lu: the derivative is implemented for square matrices only")
        p, low, up = ctx.saved_tensors
        return _lu_grad(p, low, up, gl, gu)


def lu(A, *, pivot: bool = True):
    """``(P, L, U)`` with ``A = P L U``: P a permutation, L unit lower triangular, U upper triangular."""
    _check_lu_input(A, "linalg.lu")
    _check_pivot(pivot)
    p, low, up = LinalgLuBackward0.apply(A)
    p = wrap(p._data)  # the permutation is no function of A's values: PyTorch gives it no history
    return _lu_t(p, low, up)


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False):
    """The solution of ``A X = B`` (``X A = B`` when not ``left``; with ``A^T`` when ``adjoint``) from A's
    ``lu_factor``."""
    check_same_dtype(LU, B, "linalg.lu_solve")
    n = LU.shape[-1]
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    p = wrap(_permutation(pivots._data, n, LU._data.dtype))
    low = LU.tril(-1) + LU.new_ones(n).diag_embed()
    up = LU.triu()
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    if adjoint:  # A^T = U^T L^T P^T
        y = solve_triangular(up.mT, B, upper=False)
        y = solve_triangular(low.mT, y, upper=True, unitriangular=True)
        return p @ y
    y = solve_triangular(low, p.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(up, y, upper=True)


_lu_unpack_t = named_result("lu_unpack", "P L U")


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True):
    """``(P, L, U)`` of a packed LU factorisation (``lu_factor``'s result): L unit lower, U upper triangular,
    ``A = P @ L @ U``. L and U keep the gradient path to ``LU_data``; skipped parts are empty tensors."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    empty = wrap(np.empty(0, dtype=LU_data._data.dtype))
    if unpack_data:
        low = LU_data[..., :, :k].tril(-1) + wrap(np.eye(m, k, dtype=LU_data._data.dtype))
        up = LU_data[..., :k, :].triu()
    else:
        low = up = empty
    p = wrap(_permutation(LU_pivots._data.astype(np.int64), m, LU_data._data.dtype)) if unpack_pivots else empty
    return _lu_unpack_t(p, low, up)


def _old_lu_solve(b, LU_data, LU_pivots):
    """The deprecated ``torch.lu_solve(b, LU, pivots)``: ``linalg.lu_solve(LU, pivots, b)``."""
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return lu_solve(LU_data, LU_pivots, b)
