"""Negative log likelihood and cross entropy over class dims (N, C, d1, ...) or unbatched (C,): class-index
targets (with class weights, ignore_index and label smoothing) or class-probability targets."""
from __future__ import annotations

import math

import numpy as np

from ...._dtype import _type_name, is_real_floating
from ...._tensor import wrap
from ....autograd.function import Op
from ....autograd.grad_mode import STATE
from .reduction import check_no_grad, check_target_dtype, legacy_reduction
from ...arith import AddBackward1, DivBackward1, MulBackward1
from ...softmax import LogSoftmaxBackward0
from ..._autocast import full_precision

_REDUCTIONS = ("none", "mean", "sum")


def _check_class_target(name: str, input, target) -> None:
    """Shapes of (N, C, d1, ...) input against (N, d1, ...) target, with PyTorch's messages, before the dtype
    (PyTorch's order)."""
    x_shape, t_shape = input._data.shape, target._data.shape
    if len(x_shape) == 2 and len(t_shape) == 1 and x_shape[0] == t_shape[0]:
        return
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if input.ndim == 1:
        if target.ndim > 1:
            raise _target_error(name, "0D or 1D target tensor expected, multi-target not supported", input, target)
        if target.numel() != 1:
            check_target_dtype(target)  # PyTorch checks the dtype before this size
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.numel()}")
        return
    if input.shape[0] != (target.shape[0] if target.ndim else None):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if input.ndim == 2 and target.ndim != 1:
        raise _target_error(name, "0D or 1D target tensor expected, multi-target not supported", input, target)
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise _target_error(name, f"Expected target size {list(expected)}, got {list(target.shape)}", input, target)


def _target_error(name: str, message: str, input, target) -> RuntimeError:
    """PyTorch's message; the loss and both shapes come as a note."""
    error = RuntimeError(message)
    error.add_note(f"in {name} with input of shape {list(input.shape)} and target of shape {list(target.shape)}")
    return error


def _class_weight(name: str, weight, n_classes: int, dtype):
    if weight is None:
        return None
    check_no_grad(name, "weight", weight)
    if weight.ndim != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    w = weight._data
    return w if w.dtype == dtype else w.astype(dtype)


class NllLossBackward0(Op):
    """``-input[n, target[n], d...] * weight[target]``; 'mean' divides by the summed weight of counted targets."""

    @staticmethod
    def forward(ctx, x, target, weight, reduction, ignore_index):
        if x.ndim == 1:
            x2, tgt = x[None], target.reshape(1)
        else:
            x2, tgt = x, target
        n_classes = x2.shape[1]
        ignored = None
        # one reduction finds any negative or too-large class: negatives viewed as uint64 are huge
        unsigned = tgt.view(np.uint64) if tgt.itemsize == 8 else tgt
        if ignore_index >= 0 or (tgt.size and unsigned.max() >= n_classes):
            ignored = tgt == ignore_index
            if ignored.any():
                tgt = np.where(ignored, 0, tgt)
            else:
                ignored = None
            bad = (tgt < 0) | (tgt >= n_classes)
            if bad.any():
                raise IndexError(f"Target {int(tgt[bad].flat[0])} is out of bounds.")
        any_ignored = ignored is not None
        if x2.ndim == 2:
            picked = x2[np.arange(x2.shape[0]), tgt]
        else:
            picked = np.take_along_axis(x2, tgt[:, None], axis=1)[:, 0]
        w = None if weight is None else weight[tgt]
        if any_ignored:
            w = np.where(ignored, x.dtype.type(0), x.dtype.type(1) if w is None else w)
        loss = picked if w is None else picked * w
        total = loss.size if w is None else w.sum()
        ctx.meta = (x.shape, tgt, w, total, reduction)
        if reduction == "none":
            return np.negative(loss).reshape(target.shape if x.ndim > 1 else ())
        s = -loss.sum(dtype=x.dtype)
        if reduction == "sum":
            return np.asarray(s)
        return np.asarray(s / total if total != 0 else x.dtype.type(np.nan))  # all ignored: 0/0, as PyTorch

    @staticmethod
    def backward(ctx, g):
        shape, tgt, w, total, reduction = ctx.meta
        dt = g._data.dtype
        coef = np.zeros(shape if len(shape) > 1 else (1,) + shape, dtype=dt)
        value = dt.type(-1) if w is None else -w.astype(dt, copy=False)
        if reduction == "mean":
            value = value / total if total != 0 else value * 0
        if coef.ndim == 2:
            coef[np.arange(coef.shape[0]), tgt] = value
        else:
            np.put_along_axis(coef, tgt[:, None], np.broadcast_to(value, tgt.shape)[:, None], axis=1)
        coef = coef.reshape(shape)
        unsqueeze = reduction == "none" and len(shape) > 1
        if not STATE.enabled:  # no graph of the gradient wanted: plain array product
            gd = np.expand_dims(g._data, 1) if unsqueeze else g._data
            return wrap(gd * coef), None, None, None, None
        return (g.unsqueeze(1) if unsqueeze else g) * wrap(coef), None, None, None, None


class NllLoss2DBackward0(NllLossBackward0):
    """``nll_loss`` of (N, C, H, W) input."""


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """Negative log likelihood of class-index targets: input (N, C, d1, ...) or (C,) log-probabilities."""
    input, weight = full_precision(input, weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_class_target("nll_loss", input, target)
    check_target_dtype(target)
    w = _class_weight("nll_loss", weight, input.shape[1 if input.ndim > 1 else 0], input._data.dtype)
    return _nll(input, target._data, w, reduction, ignore_index)


def _nll(input, target: np.ndarray, w, reduction: str, ignore_index: int):
    """``NllLossBackward0`` with PyTorch's graph: (N, C) and (C,) inputs directly, (N, C, H, W) as NllLoss2D, other
    ranks viewed as (N, C, 1, -1) with the 'none' result viewed back to the target's shape."""
    if input.ndim in (1, 2):
        return NllLossBackward0.apply(input, target, w, reduction, ignore_index)
    if input.ndim == 4:
        return NllLoss2DBackward0.apply(input, target, w, reduction, ignore_index)
    n, c = input.shape[:2]
    rest = math.prod(input.shape[2:])  # not -1: an empty batch leaves it ambiguous
    flat = input.contiguous().view(n, c, 1, rest)
    loss = NllLoss2DBackward0.apply(flat, target.reshape(n, 1, rest), w, reduction, ignore_index)
    return loss.view(target.shape) if reduction == "none" else loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """``nll_loss(log_softmax(input, class_dim), target)`` for class indices, or ``-sum(p log q)`` for class
    probabilities (a float target shaped like ``input``); optional label smoothing and class weights."""
    input, target, weight = full_precision(input, target, weight)
    if size_average is not None or reduce is not None or reduction not in _REDUCTIONS:
        reduction = legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = input._data
    if x.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if not is_real_floating(x.dtype):
        raise RuntimeError(f"cross_entropy: expected floating point logits, got {_type_name(x.dtype)}")
    cdim = 1 if x.ndim > 1 else 0
    n_classes = x.shape[cdim]
    if target._data.shape == x.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing, cdim)
    _check_class_target("cross_entropy", input, target)
    check_target_dtype(target)
    w = _class_weight("cross_entropy", weight, n_classes, x.dtype)
    logp = LogSoftmaxBackward0.apply(input, cdim)
    nll = _nll(logp, target._data, w, reduction, ignore_index)
    if label_smoothing == 0.0:
        return nll
    smooth = -(logp * wrap(_class_view(w, x.ndim, cdim)) if w is not None else logp).sum(cdim)
    ignored = target._data == ignore_index
    smooth = smooth.masked_fill(wrap(ignored.reshape(smooth.shape)), 0.0)
    if reduction == "mean":
        kept = target._data[~ignored]
        denom = w[kept].sum() if w is not None else kept.size
        smooth = smooth.sum() / wrap(np.asarray(denom, dtype=x.dtype))
    elif reduction == "sum":
        smooth = smooth.sum()
    return MulBackward1.apply(nll, 1 - label_smoothing) + MulBackward1.apply(smooth, label_smoothing / n_classes)


def _class_view(w: np.ndarray, ndim: int, cdim: int) -> np.ndarray:
    """Class weights shaped to broadcast along the class dim of an ``ndim``-dim input."""
    return w.reshape((-1,) + (1,) * (ndim - cdim - 1))


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing, cdim):
    if not is_real_floating(target._data.dtype):
        raise RuntimeError(f"cross_entropy: expected a floating point target with class probabilities (shaped like "
                           f"the input {list(input.shape)}), but got {_type_name(target._data.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    n_classes = input.shape[cdim]
    w = _class_weight("cross_entropy", weight, n_classes, input._data.dtype)
    logp = LogSoftmaxBackward0.apply(input, cdim)
    if label_smoothing > 0:
        target = AddBackward1.apply(MulBackward1.apply(target, 1 - label_smoothing), label_smoothing / n_classes)
    prod = logp * target
    if w is not None:
        prod = prod * wrap(_class_view(w, input.ndim, cdim))
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    return DivBackward1.apply(-prod.sum(), input.numel() // n_classes)
