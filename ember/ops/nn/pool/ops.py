"""Pooling ops (forward + backward together). Every backward is itself an ``Op`` whose backward is the forward's
linear map again (max: scatter <-> gather at the saved argmax; average: spread <-> sum), so double backward works.

Each op is one base class whose node classes, built below from a table, carry PyTorch's grad_fn names per pooling
dim (``MaxPool2DWithIndicesBackward0``, ``AvgPool3DBackwardBackward0``, ...); 1-d pooling runs as 2-d.
"""
from __future__ import annotations

import numpy as np

from ....autograd.function import Op
from ...kernels import pool as K, pool_native


class _MaxPool(Op):
    """Max over windows; ``args`` route the gradient: the NumPy kernels' per-dim argmax offsets, or (from the
    compiled kernel) one array of flat indices per input plane."""

    @staticmethod
    def forward(ctx, x, geom, return_indices):
        if pool_native.takes(x, geom):
            out, index = pool_native.max_pool(x, geom)
            ctx.plan = (index, geom)
            return (out, index) if return_indices else out
        out, args = K.max_pool(x, geom)
        ctx.plan = (args, geom)
        if not return_indices:
            return out
        return out, K.flat_indices(args, K.regular_coord(geom), geom.alloc, x.shape[:x.ndim - len(geom.k)],
                                   geom.out, geom.size)

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if grad is None:
            return None, None, None
        args, geom = ctx.plan
        return _MAX_POOL_GRAD[len(geom.k)].apply(grad, args, geom), None, None


class _MaxPoolGrad(Op):
    """Scatter of output gradients to the argmax inputs (adjoint: ``_ArgmaxGather``)."""

    @staticmethod
    def forward(ctx, grad, args, geom):
        ctx.plan = (args, geom)
        if isinstance(args, np.ndarray):
            return pool_native.scatter(grad, args, geom.size)
        return K.max_pool_backward(grad, args, geom)

    @staticmethod
    def backward(ctx, gg):
        return _ARGMAX_GATHER.apply(gg, *ctx.plan), None, None


class _ArgmaxGather(Op):
    """Input-shaped values read at each window's argmax (adjoint: ``_MaxPoolGrad``)."""

    @staticmethod
    def forward(ctx, gg, args, geom):
        ctx.plan = (args, geom)
        if isinstance(args, np.ndarray):
            return pool_native.gather(gg, args)
        return K.max_pool_gather(gg, args, geom)

    @staticmethod
    def backward(ctx, h):
        args, geom = ctx.plan
        return _MAX_POOL_GRAD[len(geom.k)].apply(h, args, geom), None, None


class _AvgPool(Op):
    """Window sums divided by ``divisor`` (a number, or an array over the output positions)."""

    @staticmethod
    def forward(ctx, x, geom, divisor):
        ctx.plan = (geom, divisor)
        if x.dtype.kind in "iu":
            total = K.avg_pool_sum(x.astype(np.int64), geom)
            return np.trunc(total / divisor).astype(x.dtype)
        total = K.avg_pool_sum(x, geom)
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        geom, divisor = ctx.plan
        return _AVG_POOL_GRAD[len(geom.k)].apply(grad, geom, divisor), None, None


class _AvgPoolGrad(Op):
    """Each output gradient, divided by its divisor, spread over its window (adjoint: ``_AvgPool``)."""

    @staticmethod
    def forward(ctx, grad, geom, divisor):
        ctx.plan = (geom, divisor)
        return K.avg_pool_scatter(grad / divisor, geom)

    @staticmethod
    def backward(ctx, gg):
        geom, divisor = ctx.plan
        return AVG_POOL[len(geom.k)].apply(gg, geom, divisor), None, None


class _AdaptiveAvgPool(Op):
    """Contract each spatial axis with its (out, in) window-averaging matrix."""

    @staticmethod
    def forward(ctx, x, weights):
        ctx.weights = weights
        nd = len(weights)
        for j in reversed(range(nd)):
            x = K.contract_axis(x, weights[j], x.ndim - nd + j)
        return np.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        weights = ctx.weights
        return _ADAPTIVE_AVG_POOL_GRAD[len(weights)].apply(grad, weights), None


class _AdaptiveAvgPoolGrad(Op):
    """Contraction with the transposed averaging matrices (adjoint: ``_AdaptiveAvgPool``)."""

    @staticmethod
    def forward(ctx, grad, weights):
        ctx.weights = weights
        nd = len(weights)
        for j in range(nd):
            grad = K.contract_axis(grad, weights[j].T, grad.ndim - nd + j)
        return np.ascontiguousarray(grad)

    @staticmethod
    def backward(ctx, gg):
        weights = ctx.weights
        return ADAPTIVE_AVG_POOL[len(weights)].apply(gg, weights), None


class _AdaptiveMaxPool(Op):
    """Max over adaptive windows -> (values, indices); the gradient is scattered through the indices."""

    @staticmethod
    def forward(ctx, x, out):
        ctx.plane = x.shape[x.ndim - len(out):]
        values, idx = K.adaptive_max_pool(x, out)
        ctx.idx = idx
        return values, idx

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if grad is None:
            return None, None
        plane = ctx.plane
        return _ADAPTIVE_MAX_POOL_GRAD[len(plane)].apply(grad, ctx.idx, plane), None


class _FlatScatterAdd(Op):
    """Zeros of lead + ``plane`` with ``grad`` summed in at flat plane indices (adjoint: ``_FlatGather``)."""

    @staticmethod
    def forward(ctx, grad, idx, plane):
        ctx.idx = idx
        ctx.nd = len(plane)
        return K.flat_scatter_add(grad, idx, plane)

    @staticmethod
    def backward(ctx, gg):
        return _FLAT_GATHER.apply(gg, ctx.idx, ctx.nd), None, None


class _FlatGather(Op):
    """``x`` read at flat plane indices (adjoint: ``_FlatScatterAdd``)."""

    @staticmethod
    def forward(ctx, x, idx, nd):
        ctx.idx = idx
        ctx.plane = x.shape[x.ndim - nd:]
        return K.flat_gather(x, idx, nd)

    @staticmethod
    def backward(ctx, grad):
        return _FLAT_SCATTER_ADD.apply(grad, ctx.idx, ctx.plane), None, None


class _MaxUnpool(Op):
    """Values written into zeros at their flat plane indices; the gradient reads them back."""

    @staticmethod
    def forward(ctx, x, idx, plane):
        ctx.idx = idx
        ctx.nd = len(plane)
        return K.flat_scatter_assign(x, idx, plane)

    @staticmethod
    def backward(ctx, grad):
        return _FLAT_GATHER.apply(grad, ctx.idx, ctx.nd), None, None


def _node(base: type, name: str) -> type:
    """``base`` under the name PyTorch gives its node."""
    return type(name, (base,), {"__module__": __name__, "__doc__": base.__doc__})


def _per_dim(base: type, name: str) -> dict:
    """{2: node class, 3: node class}: ``base`` under PyTorch's name for 2-d and 3-d pooling."""
    return {nd: _node(base, name.format(nd)) for nd in (2, 3)}


MAX_POOL = _per_dim(_MaxPool, "MaxPool{}DWithIndicesBackward0")
_MAX_POOL_GRAD = _per_dim(_MaxPoolGrad, "MaxPool{}DWithIndicesBackwardBackward0")
AVG_POOL = _per_dim(_AvgPool, "AvgPool{}DBackward0")
_AVG_POOL_GRAD = _per_dim(_AvgPoolGrad, "AvgPool{}DBackwardBackward0")
ADAPTIVE_AVG_POOL = _per_dim(_AdaptiveAvgPool, "AdaptiveAvgPool{}DBackward0")
_ADAPTIVE_AVG_POOL_GRAD = _per_dim(_AdaptiveAvgPoolGrad, "AdaptiveAvgPool{}DBackwardBackward0")
ADAPTIVE_MAX_POOL = _per_dim(_AdaptiveMaxPool, "AdaptiveMaxPool{}DBackward0")
_ADAPTIVE_MAX_POOL_GRAD = _per_dim(_FlatScatterAdd, "AdaptiveMaxPool{}DBackwardBackward0")
MAX_UNPOOL = _per_dim(_MaxUnpool, "MaxUnpool{}DBackward0")
# third-order nodes, where PyTorch records a view of a gather or a scatter-add: the op's own name
_ARGMAX_GATHER = _node(_ArgmaxGather, "GatherBackward0")
_FLAT_GATHER = _node(_FlatGather, "GatherBackward0")
_FLAT_SCATTER_ADD = _node(_FlatScatterAdd, "ScatterAddBackward0")
