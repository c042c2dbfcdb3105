"""Affine maps: ``F.linear`` (``x @ W.T + b``) and ``F.bilinear`` (``x1 @ A @ x2 + b``)."""
from __future__ import annotations

import math

import numpy as np

from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from .._util import sum_to
from ..kernels import gemm
from ..products import matmul
from ..shape import SqueezeBackward4, UnsafeViewBackward0
from ..._dtype import _cpp_type_name, _type_name
from ..._tensor import wrap
from .._autocast import lower_precision

__all__ = ["linear", "bilinear"]


class MmBackward0(Op):
    """``x @ wt`` on a 2-D ``x``, ``wt`` being ``weight.t()``: recorded like PyTorch's ``mm(x, weight.t())``.

    The graph matches PyTorch's node for node (``MmBackward0`` -> ``TBackward0`` -> the weight), so tutorials that
    walk ``grad_fn.next_functions`` print the same names. ``wt`` is a transposed view (no copy): BLAS reads it
    directly.
    """

    @staticmethod
    def forward(ctx, x, wt):
        ctx.save_for_backward(x, wt)
        return gemm.dot(x, wt)

    @staticmethod
    def backward(ctx, g):
        x, wt = ctx.saved_tensors
        return _mm_grads(ctx.needs_input_grad, g, x, wt)


class AddmmBackward0(Op):
    """``b + x @ wt``: recorded like PyTorch's ``addmm(bias, x, weight.t())`` (bias first in next_functions)."""

    @staticmethod
    def forward(ctx, b, x, wt):
        ctx.save_for_backward(x, wt)
        ctx.bias_shape = b.shape
        out = gemm.dot(x, wt)
        out += b
        return out

    @staticmethod
    def backward(ctx, g):
        x, wt = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (_bias_grad(g, ctx.bias_shape) if need[0] else None,) + _mm_grads(need[1:], g, x, wt)


class TrilinearBackward0(Op):
    """``y[n, o] = sum_ij x1[n, i] * w[o, i, j] * x2[n, j]``: PyTorch's ``_trilinear`` node of ``F.bilinear``.

    Forward: one GEMM contracts i for every (o, j), then a batched dot contracts j. Each gradient is the same
    contraction with ``g`` in its operand's place, written with differentiable ops (double backward works).
    """

    @staticmethod
    def forward(ctx, x1, w, x2):
        ctx.save_for_backward(x1, w, x2)
        out_f, in1, in2 = w.shape
        proj = x1 @ w.transpose(1, 0, 2).reshape(in1, out_f * in2)
        return np.matmul(proj.reshape(-1, out_f, in2), x2[:, :, None])[:, :, 0]

    @staticmethod
    def backward(ctx, g):
        x1, w, x2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        n, (out_f, in1, in2) = g.shape[0], w.shape
        g1 = g2 = gw = None
        if need[0]:  # sum_oj g[n, o] w[o, i, j] x2[n, j]
            g1 = (g.unsqueeze(2) * x2.unsqueeze(1)).reshape(n, out_f * in2) @ w.permute(0, 2, 1).reshape(
                out_f * in2, in1)
        if need[1]:  # sum_n g[n, o] x1[n, i] x2[n, j]
            gw = (g.mT @ (x1.unsqueeze(2) * x2.unsqueeze(1)).reshape(n, in1 * in2)).reshape(out_f, in1, in2)
        if need[2]:  # sum_oi g[n, o] x1[n, i] w[o, i, j]
            g2 = (g.unsqueeze(2) * x1.unsqueeze(1)).reshape(n, out_f * in1) @ w.reshape(out_f * in1, in2)
        return g1, gw, g2


def _bias_grad(g, shape: tuple):
    """``g`` (rows, out) summed down to the bias's shape (``(out,)``, ``(1,)`` or ``()``)."""
    if STATE.enabled:
        return sum_to(g, shape)

    ga = g._data
    return wrap(ga.sum(0) if shape == ga.shape[1:] else ga.sum().reshape(shape))


def _mm_grads(need, g, x, wt) -> tuple:
    """Gradients of ``x @ wt`` for ``x`` and ``wt``."""
    if STATE.enabled:  # building a differentiable gradient (create_graph=True)
        return (g @ wt.mT if need[0] else None), (x.mT @ g if need[1] else None)

    # gemm.dot (np.dot), not matmul: matmul's outer product (batch 1) skips BLAS and is several times slower. The weight's
    # gradient is computed in the weight's own (out, in) layout and handed to TBackward0 as a transposed view, so
    # the gradient that reaches the parameter is C-contiguous.
    ga = g._data
    gx = wrap(gemm.dot(ga, wt._data.T)) if need[0] else None
    gwt = wrap(gemm.dot(ga.T, x._data).T) if need[1] else None
    return gx, gwt


def _check_dtypes(input, weight, bias) -> None:
    """PyTorch's messages: mm's without a bias, addmm's with one."""
    xd, wd = input._data.dtype, weight._data.dtype
    if xd != wd:
        if bias is None:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_cpp_type_name(xd)} != {_cpp_type_name(wd)}")
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_type_name(xd)} and {_type_name(wd)}")
    if bias is not None and bias._data.dtype != wd:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_type_name(bias._data.dtype)} and "
                           f"{_type_name(wd)}")


def check_arguments(input, weight, bias) -> None:
    """PyTorch's errors for ``linear``'s arguments (also raised by the ops that run a linear map fused)."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    _check_dtypes(input, weight, bias)
    if weight.ndim == 1:
        if bias is not None:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        return
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if bias is not None and bias.ndim > 0 and bias.shape[-1] not in (1, weight.shape[0]):
        rows = input.shape[:-1] + (weight.shape[0],)
        raise RuntimeError(f"The expanded size of the tensor ({weight.shape[0]}) must match the existing size "
                           f"({bias.shape[-1]}) at non-singleton dimension {len(rows) - 1}.  Target sizes: "
                           f"{list(rows)}.  Tensor sizes: {list(bias.shape)}")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``; ``input`` is ``(*, in_features)``, ``weight`` ``(out_features, in_features)``."""
    input, weight, bias = lower_precision(input, weight, bias)
    check_arguments(input, weight, bias)
    if weight.ndim == 1:
        return matmul(input, weight)
    if input.ndim == 1 and bias is None:  # PyTorch: unsqueeze, mm, then squeeze_
        x = input.unsqueeze(0)
    else:
        x = input if input.ndim == 2 else input.reshape(-1, input.shape[-1])
    wt = weight.t()
    out = MmBackward0.apply(x, wt) if bias is None else AddmmBackward0.apply(bias, x, wt)
    if input.ndim == 2:
        return out
    shape = input.shape[:-1] + (weight.shape[0],)
    if bias is None:
        return (SqueezeBackward4 if input.ndim == 1 else UnsafeViewBackward0).apply(out, shape)
    return out.view(shape)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{input1.shape[d]} and {input2.shape[d]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out_features, in1_features, in2_features), got "
                           f"{weight.ndim}-D")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {in2}")
    if bias is not None and bias.shape[-1] != out_f:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but "
                           f"expected {out_f}")
    out = TrilinearBackward0.apply(input1.reshape(-1, in1), weight, input2.reshape(-1, in2))
    out = out.view(input1.shape[:-1] + (out_f,))
    return out + bias if bias is not None else out
