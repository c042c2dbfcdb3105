"""Connectionist Temporal Classification loss: alpha/beta recursions in log space, vectorised over the batch and
the extended label sequence; the only Python loop runs over time steps."""
from __future__ import annotations

import numpy as np

from ....autograd.function import Op
from .reduction import legacy_reduction
from ...._tensor import wrap


def _lengths(x, name: str) -> np.ndarray:
    data = x._data if hasattr(x, "_data") else np.asarray(x)
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: {name} must be integers, but got {data.dtype}")
    return data.astype(np.int64).reshape(-1)


def _shift(a: np.ndarray, k: int, fill) -> np.ndarray:
    """``a`` moved ``k`` places along the last axis (right for k > 0, left for k < 0), filled with ``fill``."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CtcLossBackward0(Op):
    """Per-sample CTC negative log likelihood of log_probs (T, N, C) against padded labels (N, S)."""

    @staticmethod
    def forward(ctx, lp, labels, il, tl, blank, zero_infinity):
        t_max, n, c = lp.shape
        dt = lp.dtype
        neg_inf = dt.type(-np.inf)
        s_ext = 2 * labels.shape[1] + 1
        ext = np.full((n, s_ext), blank, dtype=np.int64)
        ext[:, 1::2] = labels
        pos = np.arange(s_ext)
        valid = pos[None] < (2 * tl + 1)[:, None]
        skip = np.zeros((n, s_ext), dtype=bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        emit = lp[:, np.arange(n)[:, None], ext]  # (T, N, S'): log prob of each extended label
        with np.errstate(invalid="ignore"):
            alpha = np.full((t_max, n, s_ext), neg_inf, dtype=dt)
            alpha[0, :, 0] = emit[0, :, 0]
            if s_ext > 1:
                alpha[0, :, 1] = np.where(tl > 0, emit[0, :, 1], neg_inf)
            alpha[0][~valid] = neg_inf
            for t in range(1, t_max):
                prev = alpha[t - 1]
                acc = np.logaddexp(prev, _shift(prev, 1, neg_inf))
                acc = np.logaddexp(acc, np.where(skip, _shift(prev, 2, neg_inf), neg_inf))
                alpha[t] = np.where(valid, acc + emit[t], neg_inf)
            rows = np.arange(n)
            last = np.maximum(il - 1, 0)
            end = alpha[last, rows, 2 * tl]
            end_label = np.where(tl > 0, alpha[last, rows, np.maximum(2 * tl - 1, 0)], neg_inf)
            nll = -np.logaddexp(end, end_label)
        nll = np.where(il == 0, np.where(tl == 0, 0, np.inf), nll).astype(dt)
        ctx.meta = (lp, ext, valid, skip, emit, alpha, il, tl, nll, zero_infinity, c)
        if zero_infinity:
            return np.where(np.isinf(nll), dt.type(0), nll)
        return nll

    @staticmethod
    def backward(ctx, g):
        lp, ext, valid, skip, emit, alpha, il, tl, nll, zero_infinity, c = ctx.meta
        t_max, n, s_ext = alpha.shape
        dt = lp.dtype
        neg_inf = dt.type(-np.inf)
        beta = np.full_like(alpha, neg_inf)
        skip_next = _shift(skip, -2, False)  # s -> s + 2 allowed
        rows = np.arange(n)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            init = np.full((n, s_ext), neg_inf, dtype=dt)
            for t in range(t_max - 1, -1, -1):
                if t < t_max - 1:
                    nxt = beta[t + 1]
                    acc = np.logaddexp(nxt, _shift(nxt, -1, neg_inf))
                    acc = np.logaddexp(acc, np.where(skip_next, _shift(nxt, -2, neg_inf), neg_inf)) + emit[t]
                else:
                    acc = np.full((n, s_ext), neg_inf, dtype=dt)
                starts = il - 1 == t
                if starts.any():
                    init.fill(neg_inf)
                    init[rows, 2 * tl] = emit[t, rows, 2 * tl]
                    lab = np.maximum(2 * tl - 1, 0)
                    init[rows, lab] = np.where(tl > 0, emit[t, rows, lab], init[rows, lab])
                    acc = np.where(starts[:, None], init, acc)
                beta[t] = np.where(valid & (t <= il - 1)[:, None], acc, neg_inf)
            # log sum over the extended positions carrying each class of exp(alpha + beta), per (t, n)
            ab = alpha + beta
            top = ab.max(axis=2, keepdims=True)
            top = np.where(np.isfinite(top), top, 0)
            flat = ((np.arange(t_max)[:, None, None] * n + rows[None, :, None]) * c + ext[None]).reshape(-1)
            sums = np.bincount(flat, weights=np.exp(ab - top).reshape(-1), minlength=t_max * n * c)
            lcab = np.log(sums.reshape(t_max, n, c)).astype(dt) + top
            # PyTorch's gradient: exp(lp) - exp(lcab + nll - lp), zero beyond each input length
            grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        keep = np.arange(t_max)[:, None] < il[None, :]
        if zero_infinity:
            keep = keep & ~np.isinf(nll)[None, :]
        grad = np.where(keep[:, :, None], grad, 0).astype(dt)
        return g.reshape(1, n, 1) * wrap(grad), None, None, None, None, None


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):
    """CTC loss of log_probs (T, N, C) (or (T, C) unbatched) against targets (N, S) padded or concatenated 1-D.

    Lengths may be Tensors, sequences or ints. 'mean' divides each loss by its target length, then averages.
    """
    reduction = legacy_reduction(None, None, reduction)
    batched = log_probs.ndim == 3
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got {list(log_probs.shape)}")
    lp = log_probs if batched else log_probs.unsqueeze(1)
    t_max, n, c = lp.shape
    il, tl = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")
    if not 0 <= blank < c:
        raise RuntimeError(f"ctc_loss: blank must be in label range (blank {blank}, {c} classes)")
    if il.size != n:
        raise RuntimeError(f"ctc_loss: input_lengths must be of size batch_size ({n}), got {il.size}")
    if tl.size != n:
        raise RuntimeError(f"ctc_loss: target_lengths must be of size batch_size ({n}), got {tl.size}")
    if (il > t_max).any() or (il < 0).any():
        bad = int(il[(il > t_max) | (il < 0)][0])
        raise RuntimeError(f"ctc_loss: Expected input_lengths to have value at most {t_max}, but got value {bad}")
    tg = targets._data.astype(np.int64, copy=False)
    if not batched:
        tg = tg.reshape(1, -1)
    s_max = int(tl.max()) if tl.size else 0
    if tg.ndim == 2:
        if s_max > tg.shape[1]:
            raise RuntimeError(f"ctc_loss: Expected tensor to have size at least {s_max} at dimension 1, but got "
                               f"size {tg.shape[1]} for argument #2 'targets'")
        labels = tg[:, :s_max]
    else:
        if tl.sum() > tg.size:
            raise RuntimeError(f"ctc_loss: the target lengths sum to {int(tl.sum())}, but the concatenated targets "
                               f"hold only {tg.size} labels")
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]])
        idx = np.minimum(starts[:, None] + np.arange(s_max), max(tg.size - 1, 0))
        labels = tg[idx] if tg.size else np.zeros((n, s_max), dtype=np.int64)
    labels = np.where(np.arange(s_max)[None] < tl[:, None], labels, blank)
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        raise RuntimeError(f"ctc_loss: target labels must lie in [0, {c}), got {int(labels[bad][0])}")
    loss = CtcLossBackward0.apply(lp, labels, il, tl, int(blank), bool(zero_infinity))
    if reduction == "none":
        return loss if batched else loss.reshape(())
    if reduction == "sum":
        return loss.sum()

    return (loss / wrap(np.maximum(tl, 1).astype(loss._data.dtype))).mean()
