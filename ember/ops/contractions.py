"""Products beyond ``products.py``: ``tensordot`` (composed of permute, reshape and mm, as PyTorch composes it)
and the fused ``beta * input + alpha * product`` family ``addmv``, ``addr``, ``baddbmm``, ``addbmm``, each one
node as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._util import normalize_dim, sum_to
from .products import dot, outer
from .shape import expand_error
from ._autocast import lower_precision

__all__ = ["tensordot", "addmv", "addr", "baddbmm", "addbmm", "inner", "vdot", "ger"]


def _dim_list(dims, ndim: int) -> list:
    return [normalize_dim(int(d), ndim) for d in dims]


def tensordot(a, b, dims=2):
    """Sum of products over ``dims``: the last ``dims`` dims of ``a`` with the first of ``b``, or the dims listed
    in a pair ``([dims of a], [dims of b])``; the free dims of ``a`` then of ``b`` remain."""
    if isinstance(dims, Tensor):
        dims = int(dims.item()) if dims.ndim == 0 else dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
        dims_a, dims_b = _dim_list(dims_a, a.ndim), _dim_list(dims_b, b.ndim)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a]))
    out_shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    left = a.permute(*free_a, *dims_a).reshape(-1, k)
    right = b.permute(*dims_b, *free_b).reshape(k, -1)
    return left.mm(right).reshape(out_shape)


class _AddProduct(Op):
    """``beta * input + alpha * product(a, b)``; ``beta == 0`` ignores ``input`` (NaN included), as PyTorch does.
    Subclasses give ``_product`` on arrays and ``_grads(g, a, b, need)`` on Tensors."""

    @classmethod
    def forward(cls, ctx, input, a, b, beta, alpha):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[2] else None, b if need[1] else None)
        ctx.meta = (np.shape(input), beta, alpha)
        out = cls._product(a, b)
        if alpha != 1:
            out = out * out.dtype.type(alpha)
        if beta == 1:
            out = out + input
        elif beta != 0:
            out = out + input * input.dtype.type(beta)
        return out

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        shape, beta, alpha = ctx.meta
        need = ctx.needs_input_grad
        gi = sum_to(g if beta == 1 else g * beta, shape) if need[0] else None
        ga, gb = cls._grads(g if alpha == 1 else g * alpha, a, b, need)
        return gi, ga, gb, None, None


class AddmvBackward0(_AddProduct):
    _product = staticmethod(np.matmul)

    @staticmethod
    def _grads(g, a, b, need):
        return (g.outer(b) if need[1] else None), (a.t().mv(g) if need[2] else None)


class AddrBackward0(_AddProduct):
    _product = staticmethod(np.outer)

    @staticmethod
    def _grads(g, a, b, need):
        return (g.mv(b) if need[1] else None), (g.t().mv(a) if need[2] else None)


class BaddbmmBackward0(_AddProduct):
    _product = staticmethod(np.matmul)

    @staticmethod
    def _grads(g, a, b, need):
        return (g.bmm(b.mT) if need[1] else None), (a.mT.bmm(g) if need[2] else None)


class AddbmmBackward0(_AddProduct):
    @staticmethod
    def _product(a, b):
        return np.matmul(a, b).sum(0)

    @staticmethod
    def _grads(g, a, b, need):
        g = g.unsqueeze(0)
        return (g.matmul(b.mT) if need[1] else None), (a.mT.matmul(g) if need[2] else None)


def _check_scalars(input, beta, alpha) -> None:
    if input._data.dtype.kind in "biu":
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point "
                                   "number.")


def _expandable(input, shape: tuple) -> None:
    """PyTorch expands ``input`` to the product's shape: the same error when it cannot."""
    try:
        fits = np.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise expand_error(input.shape, shape, input._data.dtype)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``."""
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    n = input.shape[0] if input.ndim else 1
    if mat.shape[1] != vec.shape[0] or n not in (1, mat.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({mat.shape[0]}x{mat.shape[1]}), vec "
                           f"({vec.shape[0]})")
    _check_scalars(input, beta, alpha)
    return AddmvBackward0.apply(input, mat, vec, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    _expandable(input, (vec1.shape[0], vec2.shape[0]))
    _check_scalars(input, beta, alpha)
    return AddrBackward0.apply(input, vec1, vec2, beta, alpha)


def _check_batches(batch1, batch2) -> None:
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)``, matrix by matrix over the batch."""
    input, batch1, batch2 = lower_precision(input, batch1, batch2)
    _check_batches(batch1, batch2)
    b, n, m = batch1.shape
    if batch2.shape[:2] != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
                           f"[{batch2.shape[0]}, {batch2.shape[1]}].")
    _expandable(input, (b, n, batch2.shape[2]))
    _check_scalars(input, beta, alpha)
    return BaddbmmBackward0.apply(input, batch1, batch2, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    input, batch1, batch2 = lower_precision(input, batch1, batch2)
    _check_batches(batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {batch1.shape[0]} and "
                           f"{batch2.shape[0]}")
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
                           f"{batch2.shape[1]}x{batch2.shape[2]})")
    _expandable(input, (batch1.shape[1], batch2.shape[2]))
    _check_scalars(input, beta, alpha)
    return AddbmmBackward0.apply(input, batch1, batch2, beta, alpha)


def inner(input, other):
    """The sum over the last dims of ``input`` and ``other`` (a product when either is a number)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """``sum(conj(input) * other)`` of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return dot(input.conj() if input._data.dtype.kind == "c" else input, other)


def ger(input, vec2):
    """The outer product of two vectors (PyTorch's older name of ``outer``)."""
    return outer(input, vec2)
