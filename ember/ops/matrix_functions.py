"""Matrix norms and matrix functions: vector_norm, matrix_norm, norm, cond, matrix_power, matrix_exp, cross,
vecdot, multi_dot, vander, tensorinv, tensorsolve, householder_product (``torch.linalg``'s names).

Most are compositions of differentiable ops, recording the nodes PyTorch records (``matrix_norm(A, 2)`` is an
``amax`` of ``svdvals``); ``matrix_exp`` and ``cross`` are ops of their own.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._creation import eye, ones
from .._dtype import _type_name, to_numpy_dtype
from .._tensor import wrap
from ..autograd.function import Op
from ._linalg import check_float, check_matrix
from ._util import broadcast_error, normalize_dims, sum_to
from .decompositions import svdvals
from .products import matmul
from .reduce import LinalgVectorNormBackward0
from .shape import cat
from .solvers import inv, solve

__all__ = ["vector_norm", "matrix_norm", "linalg_norm", "cond", "matrix_power", "matrix_exp", "cross", "vecdot",
           "multi_dot", "vander", "tensorinv", "tensorsolve", "householder_product", "chain_matmul"]


# -- norms -------------------------------------------------------------------------------------------------------

def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The ``ord``-norm of ``x`` over ``dim`` (every element by default) as a vector: any real ord, inf, -inf,
    0."""
    check_float(x, "linalg.vector_norm")
    x = _cast(x, dtype, "linalg.vector_norm")
    dims = None if x.ndim == 0 else normalize_dims(dim, x.ndim)
    return LinalgVectorNormBackward0.apply(x, float(ord), dims, keepdim)


def _cast(x, dtype, fn: str):
    """``x`` in ``dtype`` (a widening only, as PyTorch allows), or ``x`` itself without one."""
    if dtype is None:
        return x
    target = to_numpy_dtype(dtype)
    if np.promote_types(x._data.dtype, target) != target:
        raise RuntimeError(f"{fn}: the dtype of the input ({_type_name(x._data.dtype)}) should be convertible "
                           f"without narrowing to the specified dtype ({_type_name(target)})")
    return x.to(dtype)


def _to_last(A, dim: tuple):
    """A with the two matrix dims moved last (in that order)."""
    d0, d1 = (d % A.ndim for d in dim)
    if (d0, d1) == (A.ndim - 2, A.ndim - 1):
        return A
    rest = [d for d in range(A.ndim) if d not in (d0, d1)]
    return A.permute(*rest, d0, d1)


def _restore(out, A, dim: tuple, keepdim: bool):
    """Put back the two reduced dims as size 1 where they were (``keepdim``)."""
    if not keepdim:
        return out
    for d in sorted(d % A.ndim for d in dim):
        out = out.unsqueeze(d)
    return out


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """Matrix norm of each matrix over ``dim``: 'fro', 'nuc', 2, -2 (singular values), 1, -1, inf, -inf (column
    and row sums)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    check_float(A, "linalg.matrix_norm")
    A = _cast(A, dtype, "linalg.matrix_norm")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    if dim[0] % A.ndim == dim[1] % A.ndim:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return LinalgVectorNormBackward0.apply(A, 2.0, normalize_dims(dim, A.ndim), keepdim)
    if ord == "nuc":
        return _restore(svdvals(_to_last(A, dim)).sum(-1), A, dim, keepdim)
    if ord in (2, -2):
        s = svdvals(_to_last(A, dim))
        return _restore(s.amax(-1) if ord == 2 else s.amin(-1), A, dim, keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        d0, d1 = (d % A.ndim for d in dim)
        if ord in (math.inf, -math.inf):
            d0, d1 = d1, d0
        sums = A.abs().sum(d0, keepdim=True)
        out = sums.amax(d1, keepdim=True) if ord > 0 else sums.amin(d1, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm over one dim, a matrix norm over two, chosen by ``dim`` and ``ord``
    as PyTorch does."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


def cond(A, p=None):
    """Condition number of each matrix in the ``p`` norm (2 by default: the ratio of extreme singular values)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p in (None, 2, -2):
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    check_matrix(A, f"linalg.cond(ord={p})")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# -- matrix functions ----------------------------------------------------------------------------------------------

def matrix_power(A, n: int):
    """``A`` multiplied by itself ``n`` times by repeated squaring; n = 0 gives identities, n < 0 powers of the
    inverse."""
    check_matrix(A, "linalg.matrix_power")
    if n == 0:
        return eye(A.shape[-1], dtype=A.dtype).expand(*A.shape).clone()
    if n < 0:
        A, n = inv(A), -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def _exp_array(a: np.ndarray) -> np.ndarray:
    """exp of each matrix: scaled to norm <= 1/2, an 18-term Taylor series (below float64's rounding there), then
    squared back, each matrix as often as its own scaling needs."""
    norm = np.abs(a).sum(-2).max(-1, initial=0) if a.size else np.zeros(a.shape[:-2])
    s = np.maximum(0, np.ceil(np.log2(np.maximum(norm, 1e-300))) + 1).astype(np.int64)
    x = a / (2.0 ** s)[..., None, None].astype(a.dtype)
    n = a.shape[-1]
    term = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape).copy()
    out = term.copy()
    for k in range(1, 19):
        term = term @ x / a.dtype.type(k)
        out += term
    for step in range(int(s.max(initial=0))):
        squared = out @ out
        out = np.where((step < s)[..., None, None], squared, out)
    return out


class LinalgMatrixExpBackward0(Op):
    """``exp(A)``; its gradient is the upper-right block of ``exp([[A^T, g], [0, A^T]])``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _exp_array(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = a.mT
        block = cat([cat([at, g], -1), cat([at.new_zeros(at.shape), at], -1)], -2)
        return matrix_exp(block)[..., :n, n:]


def matrix_exp(A):
    """The matrix exponential of each square matrix."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they are {A.shape[-2]} "
                           f"by {A.shape[-1]} matrices")
    check_float(A, "linalg.matrix_exp")
    return LinalgMatrixExpBackward0.apply(A)


class LinalgCrossBackward0(Op):
    """The cross product along ``dim`` (size 3), operands broadcast; ``ga = b x g``, ``gb = g x a``."""

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.meta = (a.shape, b.shape, dim)
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_shape, b_shape, dim = ctx.meta
        ga = sum_to(cross(b.expand_as(g), g, dim=dim), a_shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(cross(g, a.expand_as(g), dim=dim), b_shape) if ctx.needs_input_grad[1] else None
        return ga, gb, None


def cross(input, other, *, dim: int = -1):
    """Cross product of 3-vectors along ``dim``, batch dims broadcast."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]}")
    try:
        np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise broadcast_error(tuple(input.shape), tuple(other.shape)) from None
    return LinalgCrossBackward0.apply(input, other, dim % input.ndim)


def _old_cross(input, other, dim=None):
    """``torch.cross``: without ``dim``, the first dim of size 3."""
    if dim is None:
        dim = next((i for i, n in enumerate(np.broadcast_shapes(input.shape, other.shape)) if n == 3), -1)
    return cross(input, other, dim=dim)


def vecdot(x, y, *, dim: int = -1):
    """Dot products of the vectors along ``dim``, batch dims broadcast."""
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_type_name(x._data.dtype)} and y of type {_type_name(y._data.dtype)} instead")
    return (x * y).sum(dim)


def _chain_order(dims: list) -> list:
    """The cheapest parenthesisation of a matrix chain (dynamic programming), as split points per interval."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors):
    """Product of a chain of matrices in the cheapest order; the first may be a row vector, the last a column
    vector (1-D)."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    mats = [first.unsqueeze(0) if first.ndim == 1 else first] + tensors[1:-1] + \
        [last.unsqueeze(-1) if last.ndim == 1 else last]
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            a, b = mats[i].shape, mats[i + 1].shape
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a)} and {list(b)} cannot "
                               "be multiplied")
    split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int):
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    out = product(0, n - 1)
    if first.ndim == 1:
        out = out.squeeze(0)
    if last.ndim == 1:
        out = out.squeeze(-1)
    return out


def chain_matmul(*matrices):
    """``torch.chain_matmul``: ``multi_dot`` of 2-D matrices given as arguments."""
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def vander(x, *, N=None):
    """The Vandermonde matrix of each vector: columns ``x**0, x**1, ..., x**(N-1)`` (N = len(x) by default)."""
    if x.ndim < 1:
        raise RuntimeError("N must be greater than 1.")
    if N is None:
        N = x.shape[-1]
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = x.unsqueeze(-1).expand(*x.shape, N - 1).cumprod(-1)
    return cat([ones(*x.shape, 1, dtype=x.dtype), powers], -1)


def _old_vander(x, N=None, increasing: bool = False):
    """``torch.vander``: a 1-D input's powers, decreasing unless ``increasing``."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is not None and N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        return x.new_zeros((x.shape[0], 0))
    out = vander(x, N=N)
    return out if increasing else out.flip(-1)


def tensorinv(A, ind: int = 2):
    """The inverse of ``A`` as a linear map from its first ``ind`` dims to the rest."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows = math.prod(A.shape[:ind])
    cols = math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


def tensorsolve(A, B, dims=None):
    """The X with ``tensordot(A, X, X.ndim) = B``; ``dims`` of A are first moved to the end."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    rest = A.shape[B.ndim:]
    rows, cols = math.prod(B.shape), math.prod(rest)
    if math.prod(A.shape[:B.ndim]) != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {math.prod(A.shape[:B.ndim])}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(*rest)


def householder_product(A, tau):
    """The first n columns of ``H_1 H_2 ... H_k`` with ``H_i = I - tau_i v_i v_i^T``, ``v_i`` the i-th column of
    A below the diagonal with a 1 on it (LAPACK's orgqr)."""
    if A.ndim < 2:
        raise RuntimeError("ember.linalg.householder_product: input must have at least 2 dimensions.")
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    if m < n:
        raise RuntimeError("ember.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if n < k:
        raise RuntimeError("ember.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    q = eye(m, n, dtype=A.dtype).expand(*A.shape[:-2], m, n)
    unit = eye(m, dtype=A.dtype)
    below = np.tril(np.ones((m, m), dtype=A._data.dtype), -1)  # column i: the rows under row i
    for i in reversed(range(k)):
        v = A[..., :, i] * wrap(below[:, i].copy()) + unit[i]
        q = q - tau[..., i].unsqueeze(-1).unsqueeze(-1) * (v.unsqueeze(-1) @ (v.unsqueeze(-2) @ q))
    return q


_NUCLEAR_WARNING = ("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                    "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
_FROBENIUS_WARNING = ("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed "
                      "in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead")


def nuclear_norm(input, dim=(-2, -1), keepdim: bool = False):
    """The deprecated ``torch.nuclear_norm``: the sum of singular values over the two dims ``dim``."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) overload
        dim, keepdim = (-2, -1), dim
    warnings.warn(_NUCLEAR_WARNING, UserWarning, stacklevel=2)
    return matrix_norm(input, "nuc", tuple(dim), keepdim)


def frobenius_norm(input, dim, keepdim: bool = False):
    """The deprecated ``torch.frobenius_norm``: the 2-norm over ``dim``."""
    warnings.warn(_FROBENIUS_WARNING, UserWarning, stacklevel=2)
    return vector_norm(input, 2.0, dim, keepdim)
