"""Normalization ops: layer, group, RMS and local response normalization, and what every normalization op shares
(batch and instance norm are in ``batch_norm``).

Batch, layer and group norm are each one ``Op`` whose forward and backward call the family's dispatcher,
``ember.ops.kernels.norm``: the compiled kernels where they apply, else NumPy's. The backward uses the closed form

    dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),   dxhat = dy * weight

on arrays. When the backward itself is recorded (``create_graph=True``) the same formula is evaluated with
differentiable Tensor ops instead, so double backward works too.
"""
from __future__ import annotations

import math

import numpy as np

from ....autograd.function import Op
from ....autograd.grad_mode import STATE
from ...arith import AddBackward1
from ...kernels import norm as _kernels
from ...._tensor import wrap
from ..padding import pad
from ..pool import avg_pool2d, avg_pool3d

__all__ = ["layer_norm", "group_norm", "rms_norm", "local_response_norm"]


def _data(t):
    return None if t is None else t._data


def _flat(a):
    return None if a is None else a.reshape(-1)


def _size_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# -- differentiable backward -----------------------------------------------------------------------------------

def _norm_backward_graph(g, xhat, invstd, weight_b, view_shape, stat_dims, batch_stats: bool):
    """The input gradient with Tensor ops (used when the backward is itself differentiated).

    ``xhat`` and ``invstd`` live in ``view_shape`` (the layout where statistics reduce over ``stat_dims``);
    ``weight_b`` is the weight broadcastable against ``g`` (or None).
    """
    shape = g.shape
    gw = g * weight_b if weight_b is not None else g
    gw = gw.reshape(view_shape)
    if batch_stats:
        gw = gw - gw.mean(stat_dims, keepdim=True) - xhat * (gw * xhat).mean(stat_dims, keepdim=True)
    return (gw * invstd).reshape(shape)


def _verify_batch_size(size) -> None:
    count = size[0]
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


# -- layer norm -------------------------------------------------------------------------------------------------

class NativeLayerNormBackward0(Op):
    """Normalisation over the trailing ``ndims`` dims, with an elementwise affine of that shape."""

    _inputs = (0, 1, 2)  # PyTorch lists a missing weight or bias as (None, 0)

    @staticmethod
    def forward(ctx, x, weight, bias, *, ndims, eps):
        nshape = x.shape[x.ndim - ndims:]
        k = math.prod(nshape)
        y, ctx.mean, ctx.invstd, xhat = _kernels.layer_norm_forward(x.reshape(-1, k), _flat(weight), _flat(bias), eps)
        ctx.stats = (k, eps, nshape)
        ctx.save_for_backward(x, weight, xhat)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, xhat = ctx.saved_tensors
        k, eps, nshape = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if STATE.enabled:
            view = (-1, k)
            x2 = x.reshape(view)
            xc = x2 - x2.mean(1, keepdim=True)
            inv = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
            xh = xc * inv
            dx = _norm_backward_graph(g, xh, inv, weight, view, 1, True) if need_x else None
            g2 = g.reshape(view)
            dw = (g2 * xh).sum(0).reshape(nshape) if need_w else None
            db = g2.sum(0).reshape(nshape) if need_b else None
            return dx, dw, db
        dx, dw, db = _kernels.layer_norm_backward(g._data.reshape(-1, k), x._data.reshape(-1, k),
                                                  _flat(_data(weight)), ctx.mean, ctx.invstd, _data(xhat), need_x,
                                                  need_w, need_b)
        return (wrap(dx.reshape(x.shape)) if need_x else None, wrap(dw.reshape(nshape)) if need_w else None,
                wrap(db.reshape(nshape)) if need_b else None)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing dims ``normalized_shape`` (biased variance), then ``* weight + bias``."""
    if isinstance(normalized_shape, int):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(int(s) for s in normalized_shape)
    nd = len(shape)
    if nd == 0 or input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise RuntimeError(f"Given normalized_shape={_size_list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size{_size_list(input.shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{_size_list(t.shape)} and normalized_shape = {_size_list(shape)}")
    return NativeLayerNormBackward0.apply(input, weight, bias, ndims=nd, eps=eps)


# -- group norm -------------------------------------------------------------------------------------------------

class NativeGroupNormBackward0(Op):
    """Normalisation of (N, C, *) over each group of C / G channels and all positions, affine per channel."""

    _inputs = (0, 1, 2)  # PyTorch lists a missing weight or bias as (None, 0)

    @staticmethod
    def forward(ctx, x, weight, bias, *, num_groups, eps):
        y, ctx.mean, ctx.invstd, xhat = _kernels.group_norm_forward(x, weight, bias, num_groups, eps)
        ctx.stats = (num_groups, eps)
        ctx.save_for_backward(x, weight, xhat)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, xhat = ctx.saved_tensors
        groups, eps = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if STATE.enabled:
            n, c = x.shape[0], x.shape[1]
            view = (n * groups, -1)
            x2 = x.reshape(view)
            xc = x2 - x2.mean(1, keepdim=True)
            inv = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
            xh = xc * inv
            w_b = weight.reshape((1, c) + (1,) * (x.ndim - 2)) if weight is not None else None
            dx = _norm_backward_graph(g, xh, inv, w_b, view, 1, True) if need_x else None
            g3 = g.reshape(n, c, -1)
            dw = (g3 * xh.reshape(n, c, -1)).sum((0, 2)) if need_w else None
            db = g3.sum((0, 2)) if need_b else None
            return dx, dw, db
        dx, dw, db = _kernels.group_norm_backward(g._data, x._data, _data(weight), ctx.mean, ctx.invstd,
                                                  _data(xhat), groups, need_x, need_w, need_b)
        return (wrap(dx) if need_x else None, wrap(dw) if need_w else None, wrap(db) if need_b else None)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise (N, C, *) over groups of C / num_groups channels (and all positions), then affine per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(input.shape[2:]))
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_size_list(input.shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {_size_list(t.shape)} and input of shape "
                               f"{_size_list(input.shape)}")
    return NativeGroupNormBackward0.apply(input, weight, bias, num_groups=num_groups, eps=eps)


# -- RMS norm ---------------------------------------------------------------------------------------------------

def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):
    """``input / sqrt(mean(input**2 over normalized_shape) + eps) * weight``; eps defaults to the dtype's eps."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    nd = len(shape)
    if nd == 0 or input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise RuntimeError(f"Given normalized_shape={_size_list(shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in shape)}], but got input of size{_size_list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - nd, input.ndim))
    # PyTorch adds eps as a Scalar (AddBackward1)
    out = input * AddBackward1.apply(input.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    return out * weight if weight is not None else out


# -- local response norm ----------------------------------------------------------------------------------------

def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """``input / (k + alpha * mean of squares over a window of `size` neighbouring channels) ** beta``.

    Composed as PyTorch composes it, an average pool along the channels of the padded squares, so its graph has
    PyTorch's nodes.
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    before, after = size // 2, (size - 1) // 2
    div = input * input
    if input.ndim == 3:
        div = avg_pool2d(pad(div.unsqueeze(1), (0, 0, before, after)), (size, 1), stride=1).squeeze(1)
    else:
        shape = input.shape
        div = div.view(shape[0], 1, shape[1], shape[2], -1)
        div = avg_pool3d(pad(div, (0, 0, 0, 0, before, after)), (size, 1, 1), stride=1).squeeze(1).view(shape)
    return input / (div * alpha + k) ** beta
