"""Matrix decompositions and what is built on them: qr, svd, svdvals, eigh, eigvalsh, pinv, lstsq, matrix_rank
(``torch.linalg``'s names and the older ``torch.svd``/``torch.qr``).

Forwards run NumPy's batched LAPACK calls (the same routines PyTorch calls, so factors come with the same signs);
backwards are PyTorch's formulas for real inputs, written with differentiable Tensor ops.
"""
from __future__ import annotations

import numpy as np

from .._creation import eye
from .._dtype import _type_name, is_floating
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._linalg import check_float, check_matrix, check_same_dtype, named_result
from ._util import sum_to
from .complex_numbers import conj, real
from .shape import cat
from .solvers import solve, solve_triangular

__all__ = ["qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "pinv", "pinverse", "lstsq", "matrix_rank"]

_qr_t = named_result("linalg_qr", "Q R")
_old_qr_t = named_result("qr", "Q R")
_svd_t = named_result("linalg_svd", "U S Vh")
_old_svd_t = named_result("svd", "U S V")
_eigh_t = named_result("linalg_eigh", "eigenvalues eigenvectors")
_eig_t = named_result("linalg_eig", "eigenvalues eigenvectors")
_lstsq_t = named_result("linalg_lstsq", "solution residuals rank singular_values")


def _eye_like(x, n: int):
    return eye(n, dtype=x.dtype)


# -- QR ----------------------------------------------------------------------------------------------------------

class LinalgQrBackward0(Op):
    """``(Q, R)`` with ``A = Q R``.

    Gradient for m >= n: ``gA = (gQ + Q copyltu(M)) R^{-T}``, ``M = R gR^T - gQ^T Q``; for m < n A splits as
    ``[X | Y]`` with ``X = Q U`` square, and the square case runs on X with Y's share added to gQ.
    """

    @staticmethod
    def forward(ctx, a, mode):
        ctx.mode = mode
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            return np.zeros((0,), dtype=a.dtype), np.asarray(r, dtype=a.dtype)
        q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gq = q.new_zeros(q.shape) if gq is None else gq
        gr = r.new_zeros(r.shape) if gr is None else gr
        if m >= n:
            return _qr_square_grad(q, r, gq, gr), None
        u, v = r[..., :, :m], r[..., :, m:]
        y = q @ v
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gx = _qr_square_grad(q, u, gq + y @ gv.mT, gu)
        return cat([gx, q @ gv], -1), None


def _qr_square_grad(q, r, gq, gr):
    m = r @ gr.mT - gq.mT @ q
    low = m.tril(-1)
    copyltu = low + low.mT + m.diagonal(0, -2, -1).diag_embed()
    return solve_triangular(r.mT, gq + q @ copyltu, upper=False, left=False)


def _check_mode(mode: str) -> None:
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")


def qr(A, mode: str = "reduced"):
    """``(Q, R)``: Q with orthonormal columns, R upper triangular; ``mode`` 'reduced', 'complete' or 'r'."""
    check_matrix(A, "linalg.qr", square=False)
    _check_mode(mode)
    return _qr_t(*LinalgQrBackward0.apply(A, mode))


def _old_qr(input, some: bool = True):
    """``torch.qr``: ``some`` chooses the reduced (True) or complete factorization."""
    return _old_qr_t(*qr(input, "reduced" if some else "complete"))


# -- SVD ---------------------------------------------------------------------------------------------------------

class LinalgSvdBackward0(Op):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``.

    Gradient: ``U [(skew(U^T gU) / E) S + S (skew(V^T gV) / E) + diag(gS)] V^T`` plus the parts of gU and gV
    outside the spans of U and V; ``E_ij = S_j^2 - S_i^2``. ``svdvals`` uses the same node with no U, V.
    """

    @staticmethod
    def forward(ctx, a, full_matrices, compute_uv):
        if not compute_uv:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            ctx.save_for_backward(a, u, vh)
            ctx.k = s.shape[-1]
            return np.asarray(s, dtype=a.dtype)
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]
        ctx.k = k
        ctx.save_for_backward(u[..., :, :k], s, vh[..., :k, :])
        return u, np.asarray(s, dtype=a.dtype), vh

    @staticmethod
    def backward(ctx, *grads):
        k = ctx.k
        if len(grads) == 1:
            a, u, vh = ctx.saved_tensors
            if STATE.enabled:  # a graph of the gradient is built: the factors must carry A's history
                u, _, vh = svd(a, full_matrices=False)
            return (u * grads[0].unsqueeze(-2)) @ vh, None, None
        gu, gs, gvh = grads
        u, s, vh = ctx.saved_tensors
        gu = None if gu is None else gu[..., :, :k]
        gvh = None if gvh is None else gvh[..., :k, :]
        if gu is None and gvh is None:
            return (u * gs.unsqueeze(-2)) @ vh, None, None
        v = vh.mT
        s2 = s * s
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1)
        e = e + _eye_like(e, k)
        inner = 0
        if gs is not None:
            inner = gs.diag_embed()
        if gu is not None:
            uhgu = u.mT @ gu
            inner = inner + ((uhgu - uhgu.mT) / e) * s.unsqueeze(-2)
        if gvh is not None:
            gv = gvh.mT
            vhgv = vh @ gv
            inner = inner + s.unsqueeze(-1) * ((vhgv - vhgv.mT) / e)
        ga = u @ inner @ vh
        if gu is not None and u.shape[-2] > k:
            ga = ga + ((gu - u @ (u.mT @ gu)) / s.unsqueeze(-2)) @ vh
        if gvh is not None and v.shape[-2] > k:
            ga = ga + (u / s.unsqueeze(-2)) @ (gvh - (gvh @ v) @ vh)
        return ga, None, None


def svd(A, full_matrices: bool = True, *, driver=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` and S descending."""
    check_matrix(A, "linalg.svd", square=False)
    return _svd_t(*LinalgSvdBackward0.apply(A, full_matrices, True))


def svdvals(A, *, driver=None):
    """The singular values of each matrix, descending."""
    check_matrix(A, "linalg.svd", square=False)
    return LinalgSvdBackward0.apply(A, False, False)


def _old_svd(input, some: bool = True, compute_uv: bool = True):
    """``torch.svd``: ``(U, S, V)`` with V (not its transpose); without ``compute_uv`` U and V are zeros."""
    check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        s = svdvals(input)
        m, n = input.shape[-2:]
        return _old_svd_t(input.new_zeros((*input.shape[:-2], m, m)), s,
                          input.new_zeros((*input.shape[:-2], n, n)))
    u, s, vh = svd(input, full_matrices=not some)
    return _old_svd_t(u, s, vh.mT)


# -- symmetric eigendecomposition --------------------------------------------------------------------------------

class LinalgEighBackward0(Op):
    """``(L, V)`` with ``A = V diag(L) V^T`` for symmetric A (one triangle read); ascending L.

    Gradient: ``V (diag(gL) + skew(V^T gV) / E) V^T`` with ``E_ij = L_j - L_i`` and ``skew(X) = (X - X^T) / 2``
    (PyTorch's projection); ``eigvalsh`` uses the same node.
    """

    @staticmethod
    def forward(ctx, a, uplo, compute_v):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        w = np.asarray(w, dtype=a.dtype)
        if not compute_v:
            ctx.save_for_backward(a, v)
            ctx.uplo = uplo
            return w
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, *grads):
        if len(grads) == 1:
            a, v = ctx.saved_tensors
            if STATE.enabled:  # a graph of the gradient is built: the eigenvectors must carry A's history
                v = eigh(a, ctx.uplo)[1]
            return (v * grads[0].unsqueeze(-2)) @ v.mT, None, None
        gl, gv = grads
        w, v = ctx.saved_tensors
        if gv is None:
            return (v * gl.unsqueeze(-2)) @ v.mT, None, None
        n = w.shape[-1]
        e = w.unsqueeze(-2) - w.unsqueeze(-1)
        e = e + _eye_like(e, n)
        vhgv = v.mT @ gv
        inner = 0.5 * (vhgv - vhgv.mT) / e
        if gl is not None:
            inner = inner + gl.diag_embed()
        return v @ inner @ v.mT, None, None


def _check_uplo(uplo: str) -> None:
    if uplo.upper() not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def eigh(A, UPLO: str = "L"):
    """``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues ascending; reads the ``UPLO``
    triangle."""
    check_matrix(A, "linalg.eigh")
    _check_uplo(UPLO)
    return _eigh_t(*LinalgEighBackward0.apply(A, UPLO.upper(), True))


def eigvalsh(A, UPLO: str = "L"):
    """The eigenvalues of symmetric matrices, ascending."""
    check_matrix(A, "linalg.eigh")
    _check_uplo(UPLO)
    return LinalgEighBackward0.apply(A, UPLO.upper(), False)


# -- general eigendecomposition -----------------------------------------------------------------------------------

class LinalgEigBackward0(Op):
    """``(L, V)`` with ``A V = V diag(L)``, complex whatever A's dtype; ``eigvals`` uses the same node.

    Gradient (PyTorch's): ``V^{-H} (diag(gL) + P(V^H gV) / conj(E)) V^H`` with ``E_ij = L_j - L_i`` and P removing
    the part along each eigenvector that its free phase leaves undetermined; its real part for a real A.
    """

    @staticmethod
    def forward(ctx, a, compute_v):
        w, v = np.linalg.eig(a)
        dtype = np.result_type(a.dtype, np.complex64)
        w, v = w.astype(dtype, copy=False), v.astype(dtype, copy=False)
        ctx.real_input = a.dtype.kind != "c"
        ctx.save_for_backward(w, v)
        return (w, v) if compute_v else w

    @staticmethod
    def backward(ctx, gl, gv=None):
        w, v = ctx.saved_tensors
        vh = conj(v).mT
        if gv is None:
            inner = gl.diag_embed()
        else:
            vhgv = vh @ gv
            vhgv = vhgv - vh @ (v * real(vhgv.diagonal(0, -2, -1)).unsqueeze(-2))
            wc = conj(w)
            e = wc.unsqueeze(-2) - wc.unsqueeze(-1)
            e = e + _eye_like(e, e.shape[-1])
            inner = vhgv / e
            inner = inner - inner.diagonal(0, -2, -1).diag_embed()
            if gl is not None:
                inner = inner + gl.diag_embed()
        ga = solve(vh, inner @ vh)
        return (real(ga) if ctx.real_input else ga), None


def eig(A):
    """``(eigenvalues, eigenvectors)`` of general square matrices, complex; eigenvectors of unit norm."""
    check_matrix(A, "linalg.eig")
    return _eig_t(*LinalgEigBackward0.apply(A, True))


def eigvals(A):
    """The (complex) eigenvalues of general square matrices."""
    check_matrix(A, "linalg.eigvals")
    return LinalgEigBackward0.apply(A, False)


# -- pseudo-inverse, least squares, rank ---------------------------------------------------------------------------

def _tolerance(s: np.ndarray, shape: tuple, atol, rtol) -> np.ndarray:
    """PyTorch's cutoff ``max(atol, rtol * s_max)``; rtol defaults to ``eps * max(m, n)`` when neither is given,
    to 0 when only atol is."""
    atol = 0.0 if atol is None else getattr(atol, "_data", atol)
    if rtol is None:
        rtol = 0.0 if np.any(atol) else np.finfo(s.dtype).eps * max(shape[-2:])
    rtol = getattr(rtol, "_data", rtol)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return np.maximum(np.asarray(atol)[..., None] if np.ndim(atol) else atol,
                      (np.asarray(rtol)[..., None] if np.ndim(rtol) else rtol) * smax)


def _rank(a: np.ndarray, atol, rtol) -> tuple[np.ndarray, np.ndarray]:
    """(singular values, numerical rank) of each matrix of ``a``; an empty matrix has none and rank 0."""
    s = np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (0,), a.dtype)
    return s, np.sum(s > _tolerance(s, a.shape, atol, rtol), axis=-1).astype(np.int64)


def _pinv_array(a: np.ndarray, atol, rtol) -> np.ndarray:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > _tolerance(s, a.shape, atol, rtol)
    inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
    return np.swapaxes(vh, -1, -2) @ (inv_s[..., :, None] * np.swapaxes(u, -1, -2))


class LinalgPinvBackward0(Op):
    """The Moore-Penrose pseudo-inverse P of A, with PyTorch's gradient (valid where the rank is constant)."""

    @staticmethod
    def forward(ctx, a, atol, rtol):
        p = _pinv_array(a, atol, rtol)
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        return _pinv_grad(g, p, a), None, None


def _pinv_grad(g, p, a):
    m, n = a.shape[-2], a.shape[-1]
    ph = p.mT
    if m <= n:
        k = g.mT @ p
        kph = k @ ph
        return -(p @ k).mT + kph - (a @ p) @ kph + (ph @ p) @ (g.mT - k @ a)
    k = p @ g.mT
    phk = ph @ k
    return -(k @ p).mT + (g.mT - a @ k) @ p @ ph + phk - phk @ p @ a


def pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None):
    """Pseudo-inverse, singular values below ``max(atol, rtol * s_max)`` treated as zero (``rcond`` is
    ``rtol``)."""
    if A.ndim < 2 or not is_floating(A._data.dtype):
        raise RuntimeError(f"linalg.pinv({_type_name(A._data.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return LinalgPinvBackward0.apply(A, atol, rtol)


def pinverse(input, rcond: float = 1e-15):
    """``torch.pinverse``: ``linalg.pinv`` with an rtol of 1e-15 by default."""
    return pinv(input, rtol=rcond)


class LinalgLstsqBackward0(Op):
    """The minimum-norm least-squares solution ``X = pinv(A) B``; its gradient goes through the pseudo-inverse's."""

    @staticmethod
    def forward(ctx, a, b, rtol):
        p = _pinv_array(a, None, rtol)
        ctx.save_for_backward(a, b)
        ctx.rtol = rtol
        ctx.shapes = (a.shape, b.shape)
        return p @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        p = pinv(a, rtol=ctx.rtol)
        a_shape, b_shape = ctx.shapes
        ga = sum_to(_pinv_grad(g @ b.mT, p, a), a_shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(p.mT @ g, b_shape) if ctx.needs_input_grad[1] else None
        return ga, gb, None


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||``; which of the last three are
    filled depends on ``driver`` as in PyTorch's CPU build (default ``gelsy``: the rank only)."""
    check_float(A, "linalg.lstsq")
    check_same_dtype(A, B, "linalg.lstsq")
    if A.ndim < 2:
        raise RuntimeError("ember.linalg.lstsq: input must have at least 2 dimensions.")
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError("parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    if not (vector or B.ndim == A.ndim):
        raise RuntimeError("ember.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    b = B.unsqueeze(-1) if vector else B
    if A.shape[-2] != b.shape[-2]:
        raise RuntimeError("ember.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2:]
    rtol = rcond if rcond is not None and rcond >= 0 else np.finfo(A._data.dtype).eps * max(m, n)
    x = LinalgLstsqBackward0.apply(A, b, rtol)
    s, rank = _rank(A._data, None, rtol)
    dtype = A._data.dtype
    residuals = np.zeros((0,), dtype)
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = np.sum((A._data @ x._data - b._data) ** 2, axis=-2)
    out_rank = wrap(np.zeros((0,), np.int64)) if driver == "gels" else wrap(rank)
    values = wrap(np.asarray(s, dtype)) if driver in ("gelsd", "gelss") else wrap(np.zeros((0,), dtype))
    return _lstsq_t(x.squeeze(-1) if vector else x, wrap(residuals), out_rank, values)


def matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None):
    """Number of singular values above ``max(atol, rtol * s_max)`` (``tol`` is ``atol``)."""
    if A.ndim < 2:
        raise RuntimeError("ember.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if not is_floating(A._data.dtype):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol = tol
    return wrap(_rank(A._data, atol, rtol)[1])
