"""Margin and embedding losses: multi-class and multi-label margins (one Op each), ranking, hinge, cosine and
triplet losses (composed from differentiable ops, as PyTorch composes them)."""
from __future__ import annotations

import numpy as np

from ....autograd.function import Op
from .reduction import apply_reduction, check_broadcast, check_no_grad, legacy_reduction
from ..distance import pairwise_distance
from ...._tensor import wrap
from ...pointwise import where
from ...arith import AddBackward1, SubBackward1, minimum


class MultiMarginLossBackward0(Op):
    """``sum_{i != y} w[y] max(0, margin - x[y] + x[i])**p / C`` per sample (p in {1, 2})."""

    @staticmethod
    def forward(ctx, x, y, p, margin, w, reduction):
        x2 = x.reshape(-1, x.shape[-1])
        n, c = x2.shape
        rows = np.arange(n)
        out_shape, y = y.shape, y.reshape(-1)
        z = margin - x2[rows, y][:, None] + x2
        active = z > 0
        active[rows, y] = False
        h = np.where(active, z, 0)
        loss = h if p == 1 else h * h
        wy = None if w is None else w[y][:, None]
        if wy is not None:
            loss = loss * wy
        loss = loss.sum(1) / x.dtype.type(c)
        ctx.save_for_backward(x)
        ctx.meta = (y, p, margin, wy, active, reduction)
        if reduction == "mean":
            return np.asarray(loss.mean(dtype=x.dtype))
        if reduction == "sum":
            return np.asarray(loss.sum(dtype=x.dtype))
        return loss.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y, p, margin, wy, active, reduction = ctx.meta
        n, c = active.shape
        x2 = x.reshape(n, c)
        mask = wrap(active.astype(x._data.dtype))
        if p == 1:
            coef = mask
        else:
            coef = (x2 - x2.gather(1, wrap(y[:, None])) + margin) * mask * 2
        if wy is not None:
            coef = coef * wrap(wy)
        onehot = np.zeros((n, c), dtype=x._data.dtype)
        onehot[np.arange(n), y] = 1
        coef = coef - wrap(onehot) * coef.sum(1, keepdim=True)
        scale = g.reshape(-1, 1) if reduction == "none" else (g / n if reduction == "mean" else g)
        return (coef * scale / c).reshape(x.shape), None, None, None, None, None


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                      reduce=None, reduction: str = "mean"):
    """Multi-class hinge loss of input (N, C) or (C,) against class indices (N,) or ()."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if input.ndim not in (1, 2) or input.numel() == 0:
        raise RuntimeError(f"multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    n = input.shape[0] if input.ndim == 2 else 1
    if target.numel() != n or target.ndim > 1:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(target.shape)}. Input "
                           f"has shape {list(input.shape)}.")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"multi_margin_loss: expected an integer class-index target, got {target.dtype}")
    y = target._data.astype(np.int64, copy=False)
    c = input.shape[-1]
    if ((y < 0) | (y >= c)).any():
        raise RuntimeError(f"multi_margin_loss: target out of range (got {int(y[(y < 0) | (y >= c)].flat[0])}, "
                           f"{c} classes)")
    w = None
    if weight is not None:
        check_no_grad("multi_margin_loss", "weight", weight)
        if weight.ndim != 1 or weight.shape[0] != c:
            raise RuntimeError(f"multi_margin_loss: inconsistent weight size, expected {[c]} but got "
                               f"{list(weight.shape)}")
        w = weight._data.astype(input._data.dtype, copy=False)
    return MultiMarginLossBackward0.apply(input, y, p, float(margin), w, reduction)


class MultilabelMarginLossBackward0(Op):
    """``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x[y_j] - x[i])) / C`` per sample; the target
    lists class indices, ended by the first -1."""

    @staticmethod
    def forward(ctx, x, tgt, reduction):
        x2 = x.reshape(-1, x.shape[-1])
        t2 = tgt.reshape(x2.shape)
        n, c = x2.shape
        if ((t2 < -1) | (t2 >= c)).any():
            raise RuntimeError(f"multilabel_margin_loss: argument #2 'target' is out of range (class indices must "
                               f"lie in [0, {c}) or be -1)")
        listed = np.cumprod(t2 != -1, axis=1).astype(bool)
        safe = np.where(listed, t2, 0)
        is_target = np.zeros((n, c), dtype=bool)
        is_target[np.nonzero(listed)[0], safe[listed]] = True
        xk = np.take_along_axis(x2, safe, axis=1)
        z = 1 - xk[:, :, None] + x2[:, None, :]
        active = listed[:, :, None] & ~is_target[:, None, :] & (z > 0)
        loss = np.where(active, z, 0).sum((1, 2)) / x.dtype.type(c)
        coef = active.sum(1).astype(x.dtype)
        np.add.at(coef, (np.repeat(np.arange(n), c), safe.reshape(-1)), -active.sum(2).reshape(-1))
        ctx.meta = (coef / x.dtype.type(c), x.shape, reduction)
        if reduction == "mean":
            return np.asarray(loss.mean(dtype=x.dtype))
        if reduction == "sum":
            return np.asarray(loss.sum(dtype=x.dtype))
        return loss if x.ndim == 2 else loss.reshape(())

    @staticmethod
    def backward(ctx, g):
        coef, shape, reduction = ctx.meta
        scale = g.reshape(-1, 1) if reduction == "none" else (g / coef.shape[0] if reduction == "mean" else g)
        return (scale * wrap(coef)).reshape(shape), None, None


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Multi-label hinge loss; ``target`` has input's shape and lists class indices, padded with -1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input.ndim not in (1, 2) or target.shape != input.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"multilabel_margin_loss: expected target dtype Long, but got {target.dtype}")
    return MultilabelMarginLossBackward0.apply(input, target._data, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """``max(0, -target * (input1 - input2) + margin)`` for targets in {1, -1}."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    check_broadcast(input1.shape, input2.shape)
    check_broadcast(target.shape, np.broadcast_shapes(input1.shape, input2.shape))
    return apply_reduction(AddBackward1.apply(-target * (input1 - input2), margin).clamp_min(0.0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """``input`` where target is 1, ``max(0, margin - input)`` where target is -1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_broadcast(target.shape, input.shape)
    margin_part = where(target != 1, (margin - input).clamp_min(0.0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return apply_reduction(margin_part + self_part, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where target is -1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if target.ndim == 1:
        if input1.ndim != 2 or input2.ndim != 2:
            raise RuntimeError(f"cosine_embedding_loss: 1D target tensor expects 2D input tensors, but found inputs "
                               f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    elif target.ndim == 0:
        if input1.ndim != 1 or input2.ndim != 1:
            raise RuntimeError(f"cosine_embedding_loss: 0D target tensor expects 1D input tensors, but found inputs "
                               f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    else:
        raise RuntimeError("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported "
                           f"(target {list(target.shape)})")
    dim = input1.ndim - 1
    check_broadcast(target.shape, input1.shape[:dim])
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag1 = AddBackward1.apply((input1 * input1).sum(dim), eps)
    mag2 = AddBackward1.apply((input2 * input2).sum(dim), eps)
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, SubBackward1.apply(cos, margin).clamp_min(0.0), 0.0)
    return apply_reduction(pos + neg, reduction)


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not a == p == n:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def _triplet(d_pos, d_neg, d_swap, margin: float, reduction: str, python_add: bool = False):
    """``max(0, d_pos - d_neg + margin)``: PyTorch's C++ loss adds the margin as a Scalar (AddBackward1), its
    Python ``triplet_margin_with_distance_loss`` with ``+`` (AddBackward0, the margin an input of the node)."""
    if d_swap is not None:
        d_neg = minimum(d_neg, d_swap)
    shifted = d_pos + margin if python_add else AddBackward1.apply(d_pos, margin)
    return apply_reduction((shifted - d_neg).clamp_min(0.0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None, reduction: str = "mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with d the p-norm distance; ``swap`` uses min(d(a, n), d(p, n))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    d_swap = pairwise_distance(positive, negative, p, eps) if swap else None
    return _triplet(d_pos, d_neg, d_swap, margin, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean"):
    """Triplet margin loss with any distance function (pairwise p=2 distance by default)."""
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    reduction = legacy_reduction(None, None, reduction)
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_swap = dist(positive, negative) if swap else None
    return _triplet(dist(anchor, positive), dist(anchor, negative), d_swap, margin, reduction, python_add=True)
