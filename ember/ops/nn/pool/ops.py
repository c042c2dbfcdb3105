"""Pooling ops (forward + backward together). Every backward is itself an ``Op`` whose backward is the forward's
linear map again (max: scatter <-> gather at the saved argmax; average: spread <-> sum), so double backward works.

``name`` arguments give each node PyTorch's grad_fn name (``MaxPool2DWithIndicesBackward0``, ...).
"""
from __future__ import annotations

import numpy as np

from ....autograd.function import Op
from ...kernels import pool as K


class MaxPool(Op):
    """Max over windows; ``args`` (per-dim argmax offsets) route the gradient."""

    @staticmethod
    def forward(ctx, x, geom, return_indices, name):
        out, args = K.max_pool(x, geom)
        ctx._name = name
        ctx.plan = (args, geom)
        if not return_indices:
            return out
        return out, K.flat_indices(args, K.regular_coord(geom), geom.alloc, x.shape[:x.ndim - len(geom.k)],
                                   geom.out, geom.size)

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if grad is None:
            return None, None, None, None
        return MaxPoolBackward.apply(grad, *ctx.plan), None, None, None


class MaxPoolBackward(Op):
    """Scatter of output gradients to the argmax inputs (adjoint: ``MaxPoolGather``)."""

    @staticmethod
    def forward(ctx, grad, args, geom):
        ctx.plan = (args, geom)
        ctx._name = f"MaxPool{len(geom.k)}DWithIndicesBackwardBackward0"
        return K.max_pool_backward(grad, args, geom)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolGather.apply(gg, *ctx.plan), None, None


class MaxPoolGather(Op):
    """Input-shaped values read at each window's argmax (adjoint: ``MaxPoolBackward``)."""

    @staticmethod
    def forward(ctx, gg, args, geom):
        ctx.plan = (args, geom)
        return K.max_pool_gather(gg, args, geom)

    @staticmethod
    def backward(ctx, h):
        return MaxPoolBackward.apply(h, *ctx.plan), None, None


class AvgPool(Op):
    """Window sums divided by ``divisor`` (a number, or an array over the output positions)."""

    @staticmethod
    def forward(ctx, x, geom, divisor, name):
        ctx._name = name
        ctx.plan = (geom, divisor)
        if x.dtype.kind in "iu":
            total = K.avg_pool_sum(x.astype(np.int64), geom)
            return np.trunc(total / divisor).astype(x.dtype)
        total = K.avg_pool_sum(x, geom)
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolBackward.apply(grad, *ctx.plan, ctx._name), None, None, None


class AvgPoolBackward(Op):
    """Each output gradient, divided by its divisor, spread over its window (adjoint: ``AvgPool``)."""

    @staticmethod
    def forward(ctx, grad, geom, divisor, name):
        ctx.plan = (geom, divisor, name)
        ctx._name = name.replace("Backward0", "BackwardBackward0")
        return K.avg_pool_scatter(grad / divisor, geom)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool.apply(gg, *ctx.plan), None, None, None


class AdaptiveAvgPool(Op):
    """Contract each spatial axis with its (out, in) window-averaging matrix."""

    @staticmethod
    def forward(ctx, x, weights, name):
        ctx._name = name
        ctx.plan = (weights, name)
        nd = len(weights)
        for j in reversed(range(nd)):
            x = K.contract_axis(x, weights[j], x.ndim - nd + j)
        return np.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPoolBackward.apply(grad, *ctx.plan), None, None


class AdaptiveAvgPoolBackward(Op):
    """Contraction with the transposed averaging matrices (adjoint: ``AdaptiveAvgPool``)."""

    @staticmethod
    def forward(ctx, grad, weights, name):
        ctx.plan = (weights, name)
        ctx._name = name.replace("Backward0", "BackwardBackward0")
        nd = len(weights)
        for j in range(nd):
            grad = K.contract_axis(grad, weights[j].T, grad.ndim - nd + j)
        return np.ascontiguousarray(grad)

    @staticmethod
    def backward(ctx, gg):
        return AdaptiveAvgPool.apply(gg, *ctx.plan), None, None


class AdaptiveMaxPool(Op):
    """Max over adaptive windows -> (values, indices); the gradient is scattered through the indices."""

    @staticmethod
    def forward(ctx, x, out, name):
        ctx._name = name
        ctx.plane = x.shape[x.ndim - len(out):]
        values, idx = K.adaptive_max_pool(x, out)
        ctx.idx = idx
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if grad is None:
            return None, None, None
        return FlatScatterAdd.apply(grad, ctx.idx, ctx.plane), None, None


class FlatScatterAdd(Op):
    """Zeros of lead + ``plane`` with ``grad`` summed in at flat plane indices (adjoint: ``FlatGather``)."""

    @staticmethod
    def forward(ctx, grad, idx, plane):
        ctx.idx = idx
        ctx.nd = len(plane)
        return K.flat_scatter_add(grad, idx, plane)

    @staticmethod
    def backward(ctx, gg):
        return FlatGather.apply(gg, ctx.idx, ctx.nd), None, None


class FlatGather(Op):
    """``x`` read at flat plane indices (adjoint: ``FlatScatterAdd``)."""

    @staticmethod
    def forward(ctx, x, idx, nd):
        ctx.idx = idx
        ctx.plane = x.shape[x.ndim - nd:]
        return K.flat_gather(x, idx, nd)

    @staticmethod
    def backward(ctx, grad):
        return FlatScatterAdd.apply(grad, ctx.idx, ctx.plane), None, None


class MaxUnpool(Op):
    """Values written into zeros at their flat plane indices; the gradient reads them back."""

    @staticmethod
    def forward(ctx, x, idx, plane, name):
        ctx._name = name
        ctx.idx = idx
        ctx.nd = len(plane)
        return K.flat_scatter_assign(x, idx, plane)

    @staticmethod
    def backward(ctx, grad):
        return FlatGather.apply(grad, ctx.idx, ctx.nd), None, None, None
