"""Loss functions (``nn.functional.*_loss``): each defined once, used by ``nn.functional`` and the loss modules.

Losses PyTorch computes in one kernel (mse, nll, binary cross entropy, smooth L1, Huber, soft margin, ...) are
one ``Op`` each, named as PyTorch names their backward nodes; the others are composed from differentiable ops, as
PyTorch composes them. This file holds the regression and likelihood losses and gathers the families kept in
modules beside it: ``nll`` (nll, cross entropy), ``binary``, ``margin`` and ``ctc``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ....autograd.function import Op
from ....autograd.grad_mode import no_grad
from .binary import (binary_cross_entropy, binary_cross_entropy_with_logits, multilabel_soft_margin_loss,
                           soft_margin_loss)
from .ctc import ctc_loss
from ...._dtype import _type_name, is_real_floating
from .reduction import apply_reduction, check_broadcast, legacy_reduction, reduce_array, scale_grad
from .margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                           multilabel_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss)
from .nll import cross_entropy, nll_loss
from ..._util import promote_operands, sum_to
from ...arith import AddBackward1
from ...binary import xlogy
from ..._autocast import full_precision

__all__ = ["l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss", "kl_div", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]


def _pair(name: str, input, target):
    """Promote ``input`` and ``target`` to one float dtype, warning (as PyTorch does) when their sizes differ."""
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
    input, target, dt = promote_operands(input, target)
    if not is_real_floating(dt):
        raise NotImplementedError(f"{name}: not implemented for integer inputs (got {_type_name(dt)})")
    return input, target


# -- regression losses -----------------------------------------------------------------------------------------

class MseLossBackward0(Op):
    """``(x - t)**2``, reduced."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        d = x - t
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, d.size)
        return reduce_array(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        reduction, n = ctx.meta
        d = (x - t) * scale_grad(g, reduction, n, 2.0)
        need = ctx.needs_input_grad
        return (sum_to(d, x.shape) if need[0] else None, sum_to(-d, t.shape) if need[1] else None, None)


def _weighted(loss, weight, reduction: str, mean_by_weight: bool):
    """``loss * weight`` reduced; PyTorch's l1/mse divide the weighted sum by ``weight.sum()``, huber by numel."""
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum" or not mean_by_weight:
        return loss.sum() if reduction == "sum" else loss.mean()
    return loss.sum() / weight.sum()


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean absolute error: ``|input - target|``, reduced."""
    input, target = full_precision(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _pair("l1_loss", input, target)
    check_broadcast(input.shape, target.shape)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, reduction, True)
    return apply_reduction(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean squared error: ``(input - target)**2``, reduced."""
    input, target = full_precision(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _pair("mse_loss", input, target)
    check_broadcast(input.shape, target.shape)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, reduction, True)
    return MseLossBackward0.apply(input, target, reduction)


class SmoothL1LossBackward0(Op):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (Huber is this times beta)."""

    @staticmethod
    def forward(ctx, x, t, reduction, beta, huber):
        d = x - t
        a = np.abs(d)
        half = d.dtype.type(0.5)
        if huber:
            loss = np.where(a < beta, half * d * d, beta * (a - half * beta))
        else:
            loss = np.where(a < beta, half * d * d / beta, a - half * beta)
        ctx.save_for_backward(x, t)
        ctx.meta = (reduction, d.size, beta, huber)
        return reduce_array(loss.astype(d.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        reduction, n, beta, huber = ctx.meta
        d = x - t
        slope = d.clamp(-beta, beta) if huber else (d / beta).clamp(-1.0, 1.0)
        gd = slope * scale_grad(g, reduction, n)
        need = ctx.needs_input_grad
        return (sum_to(gd, x.shape) if need[0] else None, sum_to(-gd, t.shape) if need[1] else None,
                None, None, None)


class HuberLossBackward0(SmoothL1LossBackward0):
    """``SmoothL1LossBackward0`` with ``huber=True``, under PyTorch's node name ``HuberLossBackward0``."""


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """Smooth L1: quadratic below ``beta``, linear above (``beta=0`` is the L1 loss)."""
    input, target = full_precision(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _pair("smooth_l1_loss", input, target)
    check_broadcast(input.shape, target.shape)
    if beta == 0:
        return apply_reduction((input - target).abs(), reduction)
    return SmoothL1LossBackward0.apply(input, target, reduction, float(beta), False)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """Huber: ``0.5 d**2`` below ``delta``, ``delta (|d| - 0.5 delta)`` above."""
    input, target = full_precision(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    reduction = legacy_reduction(None, None, reduction)
    input, target = _pair("huber_loss", input, target)
    check_broadcast(input.shape, target.shape)
    if weight is not None:
        return _weighted(HuberLossBackward0.apply(input, target, "none", float(delta), True), weight, reduction, False)
    return HuberLossBackward0.apply(input, target, reduction, float(delta), True)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """Pointwise KL divergence ``target * (log target - input)`` with ``input`` in log space; 'batchmean'
    divides the sum by the batch size (the mathematical KL), 'mean' by the element count (with a warning)."""
    input, target = full_precision(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    elif reduction not in ("none", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    input, target = promote_operands(input, target)[:2]
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim != 0 else loss.sum()
    return apply_reduction(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    """Poisson negative log likelihood: ``exp(input) - target * input`` (log_input) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term for targets > 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * AddBackward1.apply(input, eps).log()
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
            loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """Gaussian negative log likelihood ``0.5 (log var + (input - target)**2 / var)`` (+ 0.5 log 2 pi if full).

    ``var`` may match ``input``, lack its last dim, differ from it in one broadcastable dim, or be a number.
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(tuple(input.shape), float(var))
    elif (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"var is of incorrect size (gaussian_nll_loss: input {list(input.shape)}, "
                             f"var {list(var.shape)})")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # clamped without recording, as PyTorch does: the gradient passes the clamp straight through
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)
