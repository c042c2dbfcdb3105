"""Determinants, inverses and linear solves: det, slogdet, logdet, inv, solve, solve_triangular, cholesky, lstsq
(``torch.linalg``'s names, their ``_ex`` variants and the older top-level names).

Forwards run NumPy's batched LAPACK calls; PyTorch's singular-matrix errors name the failing pivot or minor, found
by ``_linalg`` on the error path only. Backwards are written with these same ops, so double backward works.
"""
from __future__ import annotations

import numpy as np

from .._creation import eye
from ..autograd.function import Op
from ._linalg import (LinAlgError, batch_prefix, check_matrix, check_same_dtype, lu_zero_pivots,
                      named_result, not_positive_definite_order)
from ._util import broadcast_error, sum_to
from .pointwise import where

__all__ = ["det", "slogdet", "logdet", "inv", "inv_ex", "inverse", "solve", "solve_ex", "solve_triangular",
           "triangular_solve", "cholesky", "cholesky_ex", "cholesky_solve", "cholesky_inverse"]

_slogdet_t = named_result("linalg_slogdet", "sign logabsdet")
_old_slogdet_t = named_result("slogdet", "sign logabsdet")
_inv_ex_t = named_result("linalg_inv_ex", "inverse info")
_solve_ex_t = named_result("linalg_solve_ex", "result info")
_cholesky_ex_t = named_result("linalg_cholesky_ex", "L info")
_triangular_t = named_result("triangular_solve", "solution cloned_coefficient")


def _mat(v):
    """A batch of numbers as a batch of 1x1 matrices, to scale a batch of matrices."""
    return v.unsqueeze(-1).unsqueeze(-1)


# -- determinants ------------------------------------------------------------------------------------------------

class LinalgDetBackward0(Op):
    """``det(A)``; its gradient is ``g det(A) A^{-T}``."""

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        return _mat(g * d) * inv(a).mT


class LinalgSlogdetBackward0(Op):
    """``(sign, log|det A|)``; only ``logabsdet`` carries a gradient, ``g A^{-T}``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        sign, logabs = np.linalg.slogdet(a)
        return np.asarray(sign, dtype=a.dtype), np.asarray(logabs, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (a,) = ctx.saved_tensors
        return None if g_logabs is None else _mat(g_logabs) * inv(a).mT


def det(A):
    """Determinant of each square matrix of ``A`` (shape ``(*, n, n)``)."""
    check_matrix(A, "linalg.det")
    return LinalgDetBackward0.apply(A)


def slogdet(A):
    """``(sign, logabsdet)`` of the determinant of each square matrix, computed without overflow."""
    check_matrix(A, "linalg.slogdet")
    return _slogdet_t(*LinalgSlogdetBackward0.apply(A))


def logdet(input):
    """``log(det(input))``: nan where the determinant is negative, -inf where it is zero."""
    check_matrix(input, "linalg.slogdet")
    sign, logabs = LinalgSlogdetBackward0.apply(input)
    return where(sign < 0, float("nan"), logabs)


def _old_slogdet(input):
    """``torch.slogdet``: ``linalg.slogdet`` under the older result name."""
    return _old_slogdet_t(*slogdet(input))


# -- inverse -----------------------------------------------------------------------------------------------------

def _singular_info(a: np.ndarray) -> np.ndarray:
    """LAPACK's ``info`` per matrix of the batch: the 1-based index of the zero pivot, 0 when invertible."""
    return lu_zero_pivots(a).astype(np.int32).reshape(a.shape[:-2])


def _raise_singular(a: np.ndarray, info: np.ndarray, fn: str, message) -> None:
    flat = info.reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        i = int(bad[0])
        raise LinAlgError(f"{fn}: {batch_prefix(a.shape, i)}{message(int(flat[i]))}")


def _inv_message(k: int) -> str:
    return (f"The diagonal element {k} is zero, the inversion could not be completed because the input matrix "
            "is singular.")


def _inverse_array(a: np.ndarray) -> tuple:
    """(inverse, info) of a batch; singular matrices get NaN inverses and a nonzero info."""
    try:
        return np.linalg.inv(a), np.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        info = _singular_info(a)
        out = np.full(a.shape, np.nan, dtype=a.dtype)
        ok = info == 0
        out[ok] = np.linalg.inv(a[ok])
        return out, info


class LinalgInvExBackward0(Op):
    """``(A^{-1}, info)``; the gradient of the inverse is ``-A^{-T} g A^{-T}``."""

    @staticmethod
    def forward(ctx, a, check_errors, fn="linalg.inv"):
        out, info = _inverse_array(a)
        if check_errors:
            _raise_singular(a, info, fn, _inv_message)
        ctx.save_for_backward(out)
        return out, info

    @staticmethod
    def backward(ctx, g, g_info):
        (ainv,) = ctx.saved_tensors
        t = ainv.mT
        return -(t @ g @ t), None, None


def inv_ex(A, *, check_errors: bool = False):
    """``(inverse, info)``: ``info`` is nonzero for singular matrices instead of an error (unless
    ``check_errors``)."""
    check_matrix(A, "linalg.inv")
    return _inv_ex_t(*LinalgInvExBackward0.apply(A, check_errors, "linalg.inv_ex"))


def inv(A):
    """Inverse of each square matrix of ``A``; ``LinAlgError`` for a singular one."""
    check_matrix(A, "linalg.inv")
    return LinalgInvExBackward0.apply(A, True)[0]


def inverse(input):
    """``torch.inverse``: alias of ``linalg.inv``."""
    return inv(input)


# -- solve -------------------------------------------------------------------------------------------------------

def _is_vector_rhs(A, B) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when 1-D, or when its shape is A's without the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


class LinalgSolveExBackward0(Op):
    """``X = A^{-1} B`` (B a batch of matrices, batch dims broadcast); ``gB = A^{-T} g``, ``gA = -gB X^T``."""

    @staticmethod
    def forward(ctx, a, b, check_errors, fn):
        ctx.shapes = (a.shape, b.shape)
        try:
            x = np.linalg.solve(a, b)
            info = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), dtype=np.int32)
        except np.linalg.LinAlgError:
            info = np.broadcast_to(_singular_info(a), np.broadcast_shapes(a.shape[:-2], b.shape[:-2])).copy()
            if check_errors:
                _raise_singular(np.broadcast_to(a, info.shape + a.shape[-2:]), info, f"ember.{fn}",
                                lambda k: "The solver failed because the input matrix is singular.")
            x = np.full(info.shape + b.shape[-2:], np.nan, dtype=a.dtype)
            ok = info == 0
            x[ok] = np.linalg.solve(np.broadcast_to(a, info.shape + a.shape[-2:])[ok],
                                    np.broadcast_to(b, info.shape + b.shape[-2:])[ok])
        ctx.save_for_backward(a, x)
        return x, info

    @staticmethod
    def backward(ctx, g, g_info):
        a, x = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        gb = solve(a.mT, g)
        ga = sum_to(-(gb @ x.mT), a_shape) if ctx.needs_input_grad[0] else None
        return ga, sum_to(gb, b_shape), None, None


def _solve(A, B, left: bool, check_errors: bool, fn: str):
    check_matrix(A, fn)
    check_same_dtype(A, B, fn)
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    if (b.shape[-2] if left else b.shape[-1]) != A.shape[-1]:
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    try:
        np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    except ValueError:
        raise broadcast_error(tuple(A.shape[:-2]), tuple(b.shape[:-2])) from None
    if not left:
        x, info = LinalgSolveExBackward0.apply(A.mT, b.mT, check_errors, fn)
        return x.mT, info
    x, info = LinalgSolveExBackward0.apply(A, b, check_errors, fn)
    return (x.squeeze(-1) if vector else x), info


def solve(A, B, *, left: bool = True):
    """The solution X of ``A X = B`` (``X A = B`` when not ``left``); B may be a (batch of) vector(s)."""
    return _solve(A, B, left, True, "linalg.solve")[0]


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False):
    """``(result, info)`` of ``solve``, with ``info`` nonzero for singular matrices instead of an error."""
    return _solve_ex_t(*_solve(A, B, left, check_errors, "linalg.solve_ex"))


# -- triangular solve --------------------------------------------------------------------------------------------

class LinalgSolveTriangularBackward0(Op):
    """``X = A^{-1} B`` for triangular A (only its triangle is read); ``gB = A^{-T} g``, ``gA = -gB X^T`` kept
    to the triangle."""

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        tri = np.triu(a) if upper else np.tril(a)
        if unitriangular:
            tri = tri - np.eye(a.shape[-1], dtype=a.dtype) * np.diagonal(tri, 0, -2, -1)[..., None, :] \
                + np.eye(a.shape[-1], dtype=a.dtype)
        ctx.meta = (a.shape, b.shape, upper, unitriangular)
        with np.errstate(all="ignore"):
            x = _triangular_array(tri, b, upper)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        a_shape, b_shape, upper, unit = ctx.meta
        gb = solve_triangular(a.mT, g, upper=not upper, unitriangular=unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ x.mT)
            ga = ga.triu(1 if unit else 0) if upper else ga.tril(-1 if unit else 0)
            ga = sum_to(ga, a_shape)
        return ga, sum_to(gb, b_shape), None, None


def _triangular_array(tri: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """Back or forward substitution over whole batches (one step per row); a zero diagonal gives inf/nan as
    LAPACK's trtrs does."""
    n = tri.shape[-1]
    shape = np.broadcast_shapes(tri.shape[:-2], b.shape[:-2])
    tri = np.broadcast_to(tri, shape + tri.shape[-2:])
    x = np.array(np.broadcast_to(b, shape + b.shape[-2:]), dtype=np.result_type(tri, b))
    order = range(n - 1, -1, -1) if upper else range(n)
    for i in order:
        rest = slice(i + 1, n) if upper else slice(0, i)
        x[..., i, :] -= np.einsum("...j,...jk->...k", tri[..., i, rest], x[..., rest, :])
        x[..., i, :] /= tri[..., i, i][..., None]
    return x


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False):
    """The solution of ``A X = B`` (``X A = B`` when not ``left``) for upper or lower triangular A."""
    check_matrix(A, "linalg.solve_triangular")
    check_same_dtype(A, B, "linalg.solve_triangular")
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    return LinalgSolveTriangularBackward0.apply(A, B, upper, unitriangular)


def triangular_solve(b, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False):
    """``torch.triangular_solve``: ``(solution, cloned_coefficient)`` of ``A X = b`` (``A^T X = b`` when
    ``transpose``)."""
    coef = A.mT if transpose else A
    x = solve_triangular(coef, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_t(x, A.clone())


# -- Cholesky ----------------------------------------------------------------------------------------------------

class LinalgCholeskyExBackward0(Op):
    """``(L, info)`` with ``A = L L^T`` (L lower); reads only A's lower triangle.

    Gradient: ``gA = sym(L^{-T} Phi(L^T gL) L^{-1})``, where Phi keeps the lower triangle and halves the diagonal.
    """

    @staticmethod
    def forward(ctx, a, upper, check_errors, fn="linalg.cholesky"):
        try:
            low = np.linalg.cholesky(a)
            info = np.zeros(a.shape[:-2], dtype=np.int32)
        except np.linalg.LinAlgError:
            flat = a.reshape(-1, *a.shape[-2:])
            info = np.array([not_positive_definite_order(m) for m in flat], dtype=np.int32)
            if check_errors:
                i = int(np.flatnonzero(info)[0])
                raise LinAlgError(
                    f"{fn}: {batch_prefix(a.shape, i)}The factorization could not be completed because "
                    f"the input is not positive-definite (the leading minor of order {info[i]} is not "
                    "positive-definite).") from None
            info = info.reshape(a.shape[:-2])
            low = np.zeros_like(a)
            ok = info == 0
            low[ok] = np.linalg.cholesky(a[ok])
        ctx.upper = upper
        out = np.swapaxes(low, -1, -2).copy() if upper else low
        ctx.save_for_backward(out)
        return out, info

    @staticmethod
    def backward(ctx, g, g_info):
        (out,) = ctx.saved_tensors
        low, g = (out.mT, g.mT) if ctx.upper else (out, g)
        phi = (low.mT @ g).tril()
        phi = phi - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
        ga = solve_triangular(low, phi, upper=False, left=False)
        ga = solve_triangular(low.mT, ga, upper=True)
        return 0.5 * (ga + ga.mT), None, None, None


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False):
    """``(L, info)``: the Cholesky factor, ``info`` > 0 naming the first minor that is not positive-definite."""
    check_matrix(A, "linalg.cholesky")
    return _cholesky_ex_t(*LinalgCholeskyExBackward0.apply(A, upper, check_errors, "linalg.cholesky_ex"))


def cholesky(A, upper: bool = False):
    """Cholesky factor L (``A = L L^T``) of each symmetric positive-definite matrix; ``upper`` gives ``L^T``."""
    check_matrix(A, "linalg.cholesky")
    return LinalgCholeskyExBackward0.apply(A, upper, True)[0]


def cholesky_solve(B, L, upper: bool = False):
    """``torch.cholesky_solve``: the solution of ``A X = B`` given A's Cholesky factor."""
    low = L.mT if upper else L
    y = solve_triangular(low, B, upper=False)
    return solve_triangular(low.mT, y, upper=True)


def cholesky_inverse(L, upper: bool = False):
    """``torch.cholesky_inverse``: ``A^{-1}`` from A's Cholesky factor."""
    return cholesky_solve(eye(L.shape[-1], dtype=L.dtype).expand(*L.shape), L, upper)
