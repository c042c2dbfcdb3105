"""Binary and logistic losses: binary cross entropy on probabilities or logits, soft margin (two-class logistic)
and multi-label soft margin."""
from __future__ import annotations

import numpy as np

from ...._tensor import wrap
from ....autograd.function import Op
from ...._dtype import _type_name, is_real_floating
from .reduction import (apply_reduction, check_broadcast, check_no_grad, legacy_reduction, reduce_array, scale_grad,
                         softplus_neg)
from ..._util import promote_operands, sum_to
from ..activation import logsigmoid
from ..._autocast import full_precision


class BinaryCrossEntropyBackward0(Op):
    """``-w (t log x + (1 - t) log(1 - x))`` with each log clamped to >= -100, as PyTorch does."""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        for name, a in (("input", x), ("target", t)):
            if not ((a >= 0) & (a <= 1)).all():  # NaN fails too, as in PyTorch's check
                raise RuntimeError(f"all elements of {name} should be between 0 and 1")
        floor = x.dtype.type(-100)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), floor)
            log_1mx = np.maximum(np.log1p(-x), floor)
        loss = (t - 1) * log_1mx - t * log_x
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, loss.size, w)
        return reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        reduction, n, w = ctx.meta
        scale = scale_grad(g, reduction, n)
        if w is not None:
            scale = scale * wrap(w)
        need = ctx.needs_input_grad
        gx = (x - t) / ((1 - x) * x).clamp(min=1e-12) * scale if need[0] else None
        gt = ((1 - x).log() - x.log()) * scale if need[1] else None
        return gx, gt, None, None


def _same_size(name: str, input, target, message: str) -> None:
    if target.shape != input.shape:
        raise ValueError(message.format(t=target.shape, i=input.shape))


def _elementwise_weight(name: str, weight, shape, dtype):
    if weight is None:
        return None
    check_no_grad(name, "weight", weight)
    try:
        return np.broadcast_to(weight._data.astype(dtype, copy=False), shape)
    except ValueError:
        raise RuntimeError(f"{name}: weight of shape {list(weight.shape)} does not broadcast to the input's shape "
                           f"{list(shape)}") from None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """Binary cross entropy of probabilities ``input`` in [0, 1] against ``target`` of the same size."""
    input, target, weight = full_precision(input, target, weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_size("binary_cross_entropy", input, target, "Using a target size ({t}) that is different to the input "
               "size ({i}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        error = RuntimeError(f"Found dtype {_type_name(target._data.dtype)} but expected "
                             f"{_type_name(input._data.dtype)}")
        error.add_note("in binary_cross_entropy: the target's dtype must be the input's")
        raise error
    w = _elementwise_weight("binary_cross_entropy", weight, input.shape, input._data.dtype)
    return BinaryCrossEntropyBackward0.apply(input, target, w, reduction)


class BinaryCrossEntropyWithLogitsBackward0(Op):
    """``w ((1 - t) x + (1 + (pw - 1) t) softplus(-x))``, with softplus computed stably."""

    @staticmethod
    def forward(ctx, x, t, w, pw, reduction):
        sp = np.logaddexp(x.dtype.type(0), -x)  # softplus(-x) = log(1 + exp(-x)), overflow-free
        lw = 1 if pw is None else (pw - 1) * t + 1
        loss = (1 - t) * x + lw * sp
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, loss.size, w, pw)
        return reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        reduction, n, w, pw = ctx.meta
        scale = scale_grad(g, reduction, n)
        if w is not None:
            scale = scale * wrap(w)
        need = ctx.needs_input_grad
        gx = gt = None
        if pw is None:
            if need[0]:
                gx = (x.sigmoid() - t) * scale
            if need[1]:
                gt = -x * scale
        else:
            pwt = wrap(pw)
            if need[0]:
                gx = ((pwt - 1) * t + 1) * x.sigmoid() - pwt * t
                gx = gx * scale
            if need[1]:
                gt = ((pwt - 1) * softplus_neg(x) - x) * scale
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one numerically stable step; ``pos_weight`` scales positive targets."""
    input, target, weight, pos_weight = full_precision(input, target, weight, pos_weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _same_size("binary_cross_entropy_with_logits", input, target,
               "Target size ({t}) must be the same as input size ({i})")
    if not is_real_floating(target._data.dtype):
        raise RuntimeError(f"binary_cross_entropy_with_logits: expected a floating point target, but got "
                           f"{_type_name(target._data.dtype)}")
    input, target = promote_operands(input, target)[:2]
    dt = input._data.dtype
    w = _elementwise_weight("binary_cross_entropy_with_logits", weight, input.shape, dt)
    pw = _elementwise_weight("binary_cross_entropy_with_logits", pos_weight, input.shape, dt)
    return BinaryCrossEntropyWithLogitsBackward0.apply(input, target, w, pw, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for targets in {1, -1}."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_no_grad("soft_margin_loss", "target", target)
    input, target = promote_operands(input, target)[:2]
    check_broadcast(input.shape, target.shape)
    return SoftMarginLossBackward0.apply(input, target, reduction)


class SoftMarginLossBackward0(Op):
    """``log(1 + exp(-t * x))``, reduced."""

    _inputs = (0,)  # the target gets no gradient and is no input of PyTorch's node

    @staticmethod
    def forward(ctx, x, t, reduction):
        z = -t * x
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, z.size, x.shape)
        # log1p(exp(z)) unguarded, as PyTorch computes it (inf for very large margins)
        with np.errstate(over="ignore"):
            return reduce_array(np.log1p(np.exp(z)), reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        reduction, n, shape = ctx.meta
        e = (-t * x).exp()
        return sum_to(-t * e / (e + 1) * scale_grad(g, reduction, n), shape), None, None


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    """One-vs-all logistic loss over C classes, averaged over classes: input and target (N, C) or (C,)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return apply_reduction(loss, reduction)
