"""Order statistics and NaN-aware reductions: median/nanmedian, quantile/nanquantile, nansum/nanmean,
var_mean/std_mean, count_nonzero, histc/histogram/bincount, diff and logcumsumexp.

Medians sort once along the dim (stable, NaN last), so the index PyTorch's kernel picks among ties is the one
found here too; ``quantile`` is composed of ``sort``, ``gather`` and ``lerp`` as PyTorch composes it, so its
gradient and node names follow from theirs.
"""
from __future__ import annotations

import builtins

import numpy as np

from .._dtype import _type_name, is_floating, is_real_floating, to_numpy_dtype
from .._tensor import Tensor, wrap
from ..autograd.function import Op
from ._linalg import named_result
from ._util import normalize_dim
from .arith import lerp, sub
from .compare import logical_xor
from .index import gather
from .pointwise import where
from .reduce import MaxBackward0, VarBackward0, _count, _dims, _expand_back, return_types
from .shape import SqueezeBackward4, cat, flip, narrow
from .sort import sort

__all__ = ["median", "nanmedian", "quantile", "nanquantile", "nansum", "nanmean", "var_mean", "std_mean",
           "count_nonzero", "histc", "histogram", "bincount", "diff", "logcumsumexp"]

_median_t, _nanmedian_t = return_types.make("median"), return_types.make("nanmedian")
_histogram_t = named_result("histogram", "hist bin_edges")


def _isnan(x: np.ndarray) -> np.ndarray:
    return np.isnan(x) if is_floating(x.dtype) else np.zeros(x.shape, np.bool_)


class MedianBackward0(Op):
    """The lower median of every element; the gradient is shared among the elements equal to it (PyTorch's
    ``evenly_distribute_backward``)."""

    _ignore_nan = False

    @classmethod
    def forward(cls, ctx, x):
        flat = np.sort(x.reshape(-1))  # NaN last
        nans = int(_isnan(flat).sum())
        if flat.size == 0 or (nans and not cls._ignore_nan):
            value = np.asarray(np.nan, x.dtype)
        else:
            value = np.asarray(flat[builtins.max((flat.size - nans - 1) // 2, 0)])
        ctx.save_for_backward(x, value)
        return value

    @staticmethod
    def backward(ctx, g):
        x, value = ctx.saved_tensors
        v = value._data
        mask = np.isnan(x._data) if np.isnan(v) else x._data == v
        return g.expand(x.shape) * wrap((mask / builtins.max(int(mask.sum()), 1)).astype(x._data.dtype))


class NanmedianBackward0(MedianBackward0):
    """``nanmedian()``: the lower median of the non-NaN elements."""

    _ignore_nan = True


class MedianBackward1(MaxBackward0):
    """``median(dim)``: (values, indices); a row holding NaN gives its first NaN, as PyTorch's does."""

    _ignore_nan = False

    @classmethod
    def _select(cls, x: np.ndarray, dim: int) -> np.ndarray:
        order = np.argsort(x, axis=dim, kind="stable")
        nans = _isnan(x).sum(axis=dim, keepdims=True)
        n = x.shape[dim]
        if cls._ignore_nan:
            pos = np.maximum((n - nans - 1) // 2, 0)
        else:
            pos = np.where(nans > 0, n - nans, (n - 1) // 2)
        return np.take_along_axis(order, pos, axis=dim)


class NanmedianBackward1(MedianBackward1):
    """``nanmedian(dim)``."""

    _ignore_nan = True


def _median(all_op, dim_op, result, input, dim, keepdim):
    if dim is None:
        return all_op.apply(input)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(f"median(): Expected reduction dim {dim} to have non-zero size.")
    return result(*dim_op.apply(input, dim, keepdim))


def median(input, dim=None, keepdim: bool = False):
    """The lower median of all elements (NaN if any is NaN), or (values, indices) along ``dim``."""
    return _median(MedianBackward0, MedianBackward1, _median_t, input, dim, keepdim)


def nanmedian(input, dim=None, keepdim: bool = False):
    """``median`` ignoring NaN (NaN only where every element is NaN)."""
    return _median(NanmedianBackward0, NanmedianBackward1, _nanmedian_t, input, dim, keepdim)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    dtype = input._data.dtype
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor) and q._data.dtype != dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    qs = q._data if isinstance(q, Tensor) else np.asarray(q, dtype)
    if not ((qs >= 0) & (qs <= 1)).all():
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {float(qs)}" if qs.ndim == 0 else
                           "quantile() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if dim is None:
        x = input.reshape(-1)
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        d = normalize_dim(dim, input.ndim)
        x = input.permute(*[i for i in builtins.range(input.ndim) if i != d], d) if input.ndim else input.reshape(1)
        shape = list(input.shape)
        if input.ndim:
            shape[d] = 1
            if not keepdim:
                del shape[d]
        out_shape = tuple(shape)
    srt = sort(x, -1)[0]
    rest, n = srt.shape[:-1], srt.shape[-1]
    qcol = qs.reshape((-1,) + (1,) * (len(rest) + 1)).astype(dtype)
    nans = _isnan(srt._data).sum(axis=-1, keepdims=True)
    if ignore_nan:
        ranks = np.maximum(qcol * (n - nans - 1).astype(dtype), 0)
    else:
        ranks = np.where(nans > 0, dtype.type(n - 1), qcol * dtype.type(n - 1))
    ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation, lambda r: r)(ranks)
    ranks = np.broadcast_to(ranks, (qcol.shape[0],) + tuple(rest) + (1,))
    below = ranks.astype(np.int64)
    srt = srt.expand(qcol.shape[0], *srt.shape)
    values = gather(srt, -1, wrap(below))
    if interpolation in ("linear", "midpoint"):
        weights = wrap(np.full(ranks.shape, 0.5, dtype) if interpolation == "midpoint" else
                       (ranks - below).astype(dtype))
        if interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad:
            # the weights are ``q * last_index - below`` in PyTorch, so q gets a gradient where no NaN fixed them
            factor = (n - nans - 1) if ignore_nan else np.full(nans.shape, n - 1)
            fixed = np.broadcast_to((qcol * factor < 0) if ignore_nan else (nans > 0), ranks.shape)
            weights = where(wrap(fixed), weights, q.reshape(qcol.shape) * wrap(factor.astype(dtype)) -
                            wrap(below.astype(dtype)))
        values = lerp(values, gather(srt, -1, wrap(np.ceil(ranks).astype(np.int64))), weights)
    final = out_shape if qs.ndim == 0 else (qs.shape[0],) + out_shape
    return SqueezeBackward4.apply(values.reshape(final + (1,)), final)


def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """The ``q``-th quantiles (a number or a 1-d tensor, prepended as the first dim) of all elements or along
    ``dim``; a NaN makes its row's quantiles NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """``quantile`` ignoring NaN (NaN only for a row of NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


class NansumBackward0(Op):
    """Sum with NaN read as zero; NaN positions get no gradient."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x)
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        return np.asarray(np.nansum(x, axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        keep = wrap(~np.isnan(x._data))
        return where(keep, _expand_back(g, shape, dims, keepdim), 0.0), None, None, None


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Sum of all elements (or over ``dim``) with NaN counted as zero."""
    dt = None if dtype is None else to_numpy_dtype(dtype)
    return NansumBackward0.apply(input, _dims(dim, input), keepdim, dt)


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Mean of the non-NaN elements (``nansum`` divided by their count, as PyTorch composes it)."""
    if not is_floating(input._data.dtype):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_type_name(input._data.dtype)}")
    dims = _dims(dim, input)
    count = wrap(np.asarray((~np.isnan(input._data)).sum(axis=dims, keepdims=keepdim)))
    return nansum(input, dim, keepdim, dtype=dtype) / count


class VarMeanBackward0(VarBackward0):
    """(var, mean) in one pass; both outputs share this node, as in PyTorch."""

    @classmethod
    def forward(cls, ctx, x, dims, correction, keepdim):
        out, mean = cls._var(ctx, x, dims, correction, keepdim)
        if not keepdim:
            mean = mean.reshape(()) if dims is None else np.squeeze(mean, axis=dims)
        return out, np.asarray(mean)

    @classmethod
    def backward(cls, ctx, g_var, g_mean):
        shape, dims, keepdim, _ = ctx.meta
        grad = None if g_var is None else cls._var_grad(ctx, g_var)
        if g_mean is not None:
            g_mean = _expand_back(g_mean / builtins.max(_count(shape, dims), 1), shape, dims, keepdim)
            grad = g_mean if grad is None else grad + g_mean
        return grad, None, None, None


class StdMeanBackward0(VarMeanBackward0):
    """(std, mean)."""

    _std = True


def _var_mean(name: str, op, input, dim, unbiased, keepdim, correction) -> tuple:
    if isinstance(dim, bool):  # var_mean(input, unbiased) of older code
        unbiased, dim = dim, None
    if not is_real_floating(input._data.dtype):
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return tuple(op.apply(input, _dims(dim, input), correction, keepdim))


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(variance, mean) over ``dim`` (all elements by default), one node for both."""
    return _var_mean("var_mean", VarMeanBackward0, input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(standard deviation, mean) over ``dim`` (all elements by default), one node for both."""
    return _var_mean("std_mean", StdMeanBackward0, input, dim, unbiased, keepdim, correction)


def count_nonzero(input, dim=None):
    """Number of nonzero elements, in all of ``input`` or over ``dim`` (an int or a tuple), as int64."""
    return wrap(np.asarray(np.count_nonzero(input._data, axis=_dims(dim, input)), dtype=np.int64))


def _check_float_histogram(input, name: str) -> None:
    if not is_real_floating(input._data.dtype):
        raise NotImplementedError(f'"{name}" not implemented for \'{_type_name(input._data.dtype)}\'')


def _edges(data: np.ndarray, bins: int, lo: float, hi: float) -> np.ndarray:
    """``bins + 1`` equally spaced edges from ``lo`` to ``hi`` (the data's extremes when they are equal, widened
    by one when those are equal too), in the data's dtype as PyTorch's."""
    if bins <= 0:
        raise RuntimeError(f"ember.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return np.linspace(lo, hi, bins + 1, dtype=data.dtype)


def histc(input, bins: int = 100, min: float = 0, max: float = 0):
    """Counts in ``bins`` equal bins from ``min`` to ``max`` (the data's range when both are 0); values outside
    are ignored. The result has the input's dtype and no gradient."""
    _check_float_histogram(input, "histogram_cpu")
    if max < min:
        raise RuntimeError("ember.histc: max must be larger than min")
    data = input._data.reshape(-1)
    hist, _ = np.histogram(data, _edges(data, bins, min, max))
    return wrap(hist.astype(data.dtype))


def histogram(input, bins, *, range=None, weight=None, density: bool = False):
    """(hist, bin_edges): counts (or summed ``weight``) in ``bins`` bins, a count of equal bins over ``range`` (the
    data's range by default) or a 1-d tensor of increasing edges; ``density`` normalises to unit area."""
    _check_float_histogram(input, "histogramdd")
    data = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(data.dtype)
    else:
        lo, hi = range if range is not None else (0.0, 0.0)
        edges = _edges(data, int(bins), lo, hi)
    w = None if weight is None else weight._data.reshape(-1)
    hist, _ = np.histogram(data, edges, weights=w)
    hist = hist.astype(data.dtype)
    if density:
        hist = (hist / (hist.sum() * np.diff(edges))).astype(data.dtype)
    return _histogram_t(wrap(hist), wrap(edges.copy()))


def bincount(input, weights=None, minlength: int = 0):
    """How often each non-negative integer occurs in the 1-d ``input`` (or the sum of its ``weights``), over at
    least ``minlength`` bins: int64 counts, float32 for float32 weights, float64 for other weights."""
    data = input._data
    if data.dtype.kind not in "biu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_type_name(data.dtype)}'")
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != data.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is None:
        return wrap(np.bincount(data, minlength=minlength).astype(np.int64))
    out_dtype = np.float32 if weights._data.dtype == np.float32 else np.float64
    return wrap(np.bincount(data, weights._data, minlength=minlength).astype(out_dtype))


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (logical xor for bool), after ``prepend``/``append`` are
    joined on; composed of ``narrow`` and ``sub`` as PyTorch's."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    dim = normalize_dim(dim, input.ndim)
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], dim)
    if n == 0:
        return input.clone()
    step = logical_xor if input._data.dtype == np.bool_ else sub
    out, length = input, input.shape[dim] - 1
    for _ in builtins.range(builtins.min(n, input.shape[dim])):
        out = step(narrow(out, dim, 1, length), narrow(out, dim, 0, length))
        length -= 1
    return out


class LogcumsumexpBackward0(Op):
    @staticmethod
    def forward(ctx, x, dim):
        out = x.copy() if x.ndim == 0 else np.logaddexp.accumulate(x, axis=dim)
        ctx.dim = dim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        """PyTorch's stable form: the positive and negative parts of ``g`` carried in log space."""
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        dim = ctx.dim
        lowest = float(np.finfo(x._data.dtype).min)
        log_abs = g.abs().log()
        pos = where(g > 0, log_abs, lowest)
        neg = where(g < 0, log_abs, lowest)

        def reverse(t):
            return flip(logcumsumexp(flip(t, [dim]), dim), [dim])

        return (reverse(pos - out) + x).exp() - (reverse(neg - out) + x).exp(), None


def logcumsumexp(input, dim: int):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably."""
    return LogcumsumexpBackward0.apply(input, normalize_dim(dim, input.ndim))
