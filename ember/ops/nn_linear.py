"""Affine maps: ``F.linear`` (``x @ W.T + b``) and ``F.bilinear`` (``x1 @ A @ x2 + b``)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from .linalg import matmul

__all__ = ["linear", "bilinear"]


def _named(t, name: str):
    """Give ``t``'s grad_fn PyTorch's name for the composite that produced it."""
    if t.grad_fn is not None:
        t.grad_fn._name = name
    return t

_DTYPE_WORD = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int"}


def _mm_shape_error(x_shape, w_shape) -> RuntimeError:
    rows = int(np.prod(x_shape[:-1])) if len(x_shape) > 1 else 1
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x_shape[-1]} and "
                        f"{w_shape[1]}x{w_shape[0]})")


class LinearMm(Op):
    """``x @ w.T (+ b)`` on a 2-D ``x``; recorded like PyTorch's ``addmm(b, x, w.t())`` (or ``mm`` without bias).

    ``w`` is used transposed in place (no copy): BLAS reads the transposed layout directly.
    """

    _name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b):
        out = np.dot(x, w.T)
        if b is None:
            ctx._name = "MmBackward0"
        else:
            out += b
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if STATE.enabled:  # building a differentiable gradient (create_graph=True)
            gx = g @ w if need[0] else None
            gw = g.mT @ x if need[1] else None
            gb = g.sum(0) if len(need) > 2 and need[2] else None
            return gx, gw, gb
        from .._tensor import wrap

        # np.dot, not matmul: matmul's outer product (batch 1) skips BLAS and is several times slower
        ga = g._data
        gx = wrap(np.dot(ga, w._data)) if need[0] else None
        gw = wrap(np.dot(ga.T, x._data)) if need[1] else None
        gb = wrap(ga.sum(0)) if len(need) > 2 and need[2] else None
        return gx, gw, gb


def _check_dtypes(input, weight, bias) -> None:
    """PyTorch's messages: mm's without a bias, addmm's with one."""
    from .._tensor import _type_word

    xd, wd = input._data.dtype, weight._data.dtype
    if xd != wd:
        if bias is None:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_DTYPE_WORD.get(xd.name, xd.name)} != {_DTYPE_WORD.get(wd.name, wd.name)}")
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_type_word(xd)} and {_type_word(wd)}")
    if bias is not None and bias._data.dtype != wd:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_type_word(bias._data.dtype)} and "
                           f"{_type_word(wd)}")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``; ``input`` is ``(*, in_features)``, ``weight`` ``(out_features, in_features)``."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    _check_dtypes(input, weight, bias)
    if weight.ndim == 1:
        if bias is not None:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        return matmul(input, weight)
    if input.shape[-1] != weight.shape[1]:
        raise _mm_shape_error(input.shape, weight.shape)
    if bias is not None and bias.ndim > 0 and bias.shape[-1] not in (1, weight.shape[0]):
        rows = input.shape[:-1] + (weight.shape[0],)
        raise RuntimeError(f"The expanded size of the tensor ({weight.shape[0]}) must match the existing size "
                           f"({bias.shape[-1]}) at non-singleton dimension {len(rows) - 1}.  Target sizes: "
                           f"{list(rows)}.  Tensor sizes: {list(bias.shape)}")
    if input.ndim == 2:
        return LinearMm.apply(input, weight, bias)
    lead = input.shape[:-1]
    out = LinearMm.apply(input.reshape(-1, input.shape[-1]), weight, bias)
    out = out.view(lead + (weight.shape[0],))
    if bias is None:
        return _named(out, "SqueezeBackward4" if input.ndim == 1 else "UnsafeViewBackward0")
    return out


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
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # one GEMM contracts i for every (o, j), then a batched dot contracts j
    proj = x1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    out = (proj.view(-1, out_f, in2) @ x2.unsqueeze(-1)).view(lead + (out_f,))
    return out + bias if bias is not None else out
