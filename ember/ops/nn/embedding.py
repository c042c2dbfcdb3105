"""Lookup tables: ``F.embedding``, ``F.embedding_bag`` and ``F.one_hot``."""
from __future__ import annotations

import numpy as np

from ...autograd.function import Op
from ..index import IndexPutImplBackward0
from ..._tensor import wrap

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(input, fn: str) -> np.ndarray:
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for {fn})")
    return input._data


def _check_range(idx: np.ndarray, num: int) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")


def _padding_index(padding_idx, num: int) -> int:
    """PyTorch's normalisation of ``padding_idx``: negative counts from the end, -1 inside means none."""
    if padding_idx is None:
        return -1
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx += num
    return padding_idx


def _grad_scale(idx: np.ndarray, num: int, padding_idx: int, scale_grad_by_freq: bool, dtype) -> np.ndarray | None:
    """Per-lookup factor on the gradient: 0 at padding_idx, 1 / (occurrences in the batch) with scale_grad_by_freq."""
    if padding_idx < 0 and not scale_grad_by_freq:
        return None
    scale = np.ones(idx.shape, dtype=dtype)
    if scale_grad_by_freq:
        scale /= np.bincount(idx, minlength=num)[idx].astype(dtype)
    if padding_idx >= 0:
        scale[idx == padding_idx] = 0
    return scale


def _renorm_(weight, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and without recording, the looked-up rows whose norm exceeds ``max_norm``."""
    rows = np.unique(idx)
    w = weight._data
    sel = w[rows]
    if norm_type == np.inf:
        norms = np.abs(sel).max(axis=1)
    else:
        norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
        w[rows[over]] = sel[over] * scale[:, None]
    weight._bump()


class EmbeddingBackward0(Op):
    """``weight[indices]``; backward scatters the gradient rows into a zero table (repeated rows accumulate)."""

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.meta = (weight.shape, idx, padding_idx, scale_grad_by_freq)
        return np.take(weight, idx, axis=0)

    @staticmethod
    def backward(ctx, g):
        shape, idx, padding_idx, scale_grad_by_freq = ctx.meta
        flat = idx.reshape(-1)
        g2 = g.reshape(-1, shape[1])
        scale = _grad_scale(flat, shape[0], padding_idx, scale_grad_by_freq, g._data.dtype)
        if scale is not None:
            g2 = g2 * wrap(scale[:, None])
        return IndexPutImplBackward0.apply(g2, shape, (flat,)), None, None, None


def embedding(input, weight, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` at the integer ``input``: output shape ``input.shape + (embedding_dim,)``."""
    if sparse:
        raise NotImplementedError("embedding: sparse=True is not supported (ember has no sparse tensors)")
    idx = _check_indices(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {weight.ndim}-D")
    num = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num)
    _check_range(idx, num)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, idx, padding_idx, scale_grad_by_freq)


class EmbeddingBagBackward0(Op):
    """Sum, mean or max of each bag's embedding rows; bags are runs of ``idx`` given by ``bag`` ids."""

    _inputs = (0, 1)  # PyTorch lists missing per-sample weights as (None, 0)

    @staticmethod
    def forward(ctx, weight, psw, idx, bag, n_bags, mode, padding_idx, scale_grad_by_freq):
        valid = idx != padding_idx if padding_idx >= 0 else np.ones(idx.shape, dtype=bool)
        vi, vb = idx[valid], bag[valid]
        rows = weight[vi]
        out = np.zeros((n_bags, weight.shape[1]), dtype=weight.dtype)
        counts = np.bincount(vb, minlength=n_bags)
        ctx.meta = (weight.shape, vi, vb, valid, mode, counts, scale_grad_by_freq, idx)
        if mode == "max":
            acc = np.full_like(out, -np.inf)
            np.maximum.at(acc, vb, rows)
            nonempty = counts > 0
            out[nonempty] = acc[nonempty]
            # the first member that attains each bag's max receives that bag's gradient
            pos = np.where(rows == acc[vb], np.arange(len(vi))[:, None], len(vi))
            first = np.full(out.shape, len(vi))
            np.minimum.at(first, vb, pos)
            ctx.argmax = (first, nonempty)
            return out
        if psw is not None:
            ctx.save_for_backward(weight, psw)
            rows = rows * psw[valid][:, None]
        np.add.at(out, vb, rows)
        if mode == "mean":
            out /= np.maximum(counts, 1)[:, None].astype(out.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        shape, vi, vb, valid, mode, counts, scale_grad_by_freq, idx = ctx.meta
        ga = g._data
        gw = np.zeros(shape, dtype=ga.dtype)
        gpsw = None
        if mode == "max":
            first, nonempty = ctx.argmax
            b, d = np.nonzero(nonempty[:, None] & np.ones(shape[1], dtype=bool))
            np.add.at(gw, (vi[first[b, d]], d), ga[b, d])
            return wrap(gw), None, None, None, None, None, None, None
        per_row = ga[vb]
        if mode == "mean":
            per_row = per_row / np.maximum(counts, 1)[vb][:, None].astype(ga.dtype)
        if ctx.__dict__.get("_saved"):
            weight, psw = ctx.saved_tensors
            if ctx.needs_input_grad[1]:
                full = np.zeros(idx.shape, dtype=ga.dtype)
                full[valid] = (per_row * weight._data[vi]).sum(axis=1)
                gpsw = wrap(full)
            per_row = per_row * psw._data[valid][:, None]
        if scale_grad_by_freq:
            per_row = per_row / np.bincount(idx, minlength=shape[0])[vi][:, None].astype(ga.dtype)
        np.add.at(gw, vi, per_row)
        return wrap(gw), gpsw, None, None, None, None, None, None


def embedding_bag(input, weight, offsets=None, max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx: int | None = None):
    """Reduce (``'sum'``, ``'mean'`` or ``'max'``) the embeddings of each bag without materialising them.

    ``input`` is ``(B, L)`` (B bags of L indices) or 1-D with ``offsets`` giving each bag's start.
    """
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True is not supported (ember has no sparse tensors)")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    idx = _check_indices(input, "embedding_bag")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                         f"then it must have the same shape as the input ({tuple(input.shape)})")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets).__name__}")
        n_bags, length = idx.shape
        bag = np.repeat(np.arange(n_bags), length)
        idx = idx.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets._data.astype(np.int64)
        if include_last_offset:
            starts = starts[:-1]
        n_bags = len(starts)
        if n_bags and starts[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                               f"from position 0. However, got {starts[0]}")
        bag = np.searchsorted(starts, np.arange(len(idx)), side="right") - 1
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    num = weight.shape[0]
    _check_range(idx, num)
    padding_idx = _padding_index(padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return EmbeddingBagBackward0.apply(weight, psw, idx, bag, n_bags, mode, padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes: int = -1):
    """``(*) -> (*, num_classes)`` int64 one-hot encoding; ``num_classes=-1`` means ``max + 1``."""
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size:
        if data.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if data.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(data.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, data[..., None], 1, axis=-1)
    return wrap(out)
