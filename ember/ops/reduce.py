"""Reductions over dims: sum, mean, prod, max/min, var/std, logsumexp, norm, all/any, argmax/argmin."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .. import _naming
from .._dtype import _type_name, get_default_dtype, is_real_floating, to_numpy_dtype
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import broadcast_view, normalize_dim, normalize_dims, sum_to_array
from .softmax import log_softmax, softmax  # noqa: F401  (nn files import them from here)
from .._tensor import wrap
from .index import scatter_add_into_zeros
from .arith import maximum, minimum

_NO_KEEPDIM = object()  # sum()/mean() take keepdim only together with dim, as in PyTorch


def _dims(dim, x) -> tuple | None:
    """Reduced axes as a sorted tuple, None for all; a 0-d input accepts dim 0/-1 and reduces nothing."""
    dims = normalize_dims(dim, x.ndim)
    return None if x.ndim == 0 else dims


def _expand_back(g, in_shape: tuple, dims: tuple | None, keepdim: bool):
    """Broadcast a reduced gradient back over the reduced dims (a read-only broadcast view, as ``expand``)."""
    if not STATE.enabled:  # no graph of the gradient: the same view made on the array
        arr = g._data
        if arr.ndim != len(in_shape):
            arr = arr.reshape((1,) * len(in_shape) if dims is None else
                              tuple([1 if i in dims else s for i, s in enumerate(in_shape)]))
        return wrap(broadcast_view(arr, in_shape) if arr.shape != in_shape else arr)
    if g.ndim != len(in_shape):
        if dims is None:
            g = g.reshape((1,) * len(in_shape))
        else:
            g = g.reshape(tuple(1 if i in dims else s for i, s in enumerate(in_shape)))
    return g.expand(in_shape) if g.shape != in_shape else g


def _count(shape: tuple, dims: tuple | None) -> int:
    return math.prod(shape) if dims is None else math.prod(shape[d] for d in dims)


def _check_keepdim(name: str, dim, keepdim) -> bool:
    if keepdim is _NO_KEEPDIM:
        return False
    if dim is None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, keepdim=bool), but "
                        f"expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, tuple "
                        f"of ints dim, bool keepdim = False, *, torch.dtype dtype = None)")
    return keepdim


# rows of at most this many values, at least _MANY_ROWS of them: NumPy's reduction pays per row there (a global
# average pool of 64x64x8x8 takes 110 us, the row sums below 40)
_SHORT_ROW = 1024
_MANY_ROWS = 64


def _trailing_rows(x: np.ndarray, dims) -> np.ndarray | None:
    """``x`` as (rows, row) when ``dims`` (normalised, sorted) are its last axes, it is a C-contiguous
    float32/float64 array and its rows are short and many; else None."""
    if not dims or x.dtype not in (np.float32, np.float64) or not x.flags.c_contiguous:
        return None
    if dims != tuple(range(x.ndim - len(dims), x.ndim)):
        return None
    length = math.prod(x.shape[x.ndim - len(dims):])
    count = x.size // length if length else 0
    if not (0 < length <= _SHORT_ROW and count >= _MANY_ROWS):
        return None
    return x.reshape(count, length)


def _row_sums(rows: np.ndarray, shape: tuple, dims: tuple, keepdim: bool) -> np.ndarray:
    """The sums of ``rows`` (from ``_trailing_rows``) in the reduced shape."""
    lead = shape[:len(shape) - len(dims)]
    return np.einsum("ij->i", rows).reshape(lead + (1,) * len(dims) if keepdim else lead)


class SumBackward0(Op):
    """``sum()`` over every element."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.meta = (x.shape, x.dtype, dims, keepdim)
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        rows = _trailing_rows(x, dims) if dtype is None else None
        if rows is not None:
            return _row_sums(rows, x.shape, dims, keepdim)
        return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        shape, in_dtype, dims, keepdim = ctx.meta
        if g._data.dtype != in_dtype:
            g = g.to(in_dtype)
        return _expand_back(g, shape, dims, keepdim), None, None, None


class SumBackward1(SumBackward0):
    """``sum(dim)``."""


class MeanBackward0(Op):
    """``mean()`` over every element."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.meta = (x.shape, dims, keepdim)
        rows = _trailing_rows(x, dims)
        if rows is not None:
            return _row_sums(rows, x.shape, dims, keepdim) / x.dtype.type(rows.shape[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.mean(x, axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim = ctx.meta
        n = builtins.max(_count(shape, dims), 1)
        g = wrap(g._data / g._data.dtype.type(n)) if not STATE.enabled else g / n
        return _expand_back(g, shape, dims, keepdim), None, None


class MeanBackward1(MeanBackward0):
    """``mean(dim)``."""


class ProdBackward0(Op):
    """``prod()`` over every element."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.meta = (x.shape, dim, keepdim)
        out = np.asarray(np.prod(x, axis=dim, keepdims=keepdim, dtype=np.int64 if x.dtype.kind in "biu" else None))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dim, keepdim = ctx.meta
        dims = None if dim is None else (dim,)
        if not (x._data == 0).any():
            return _expand_back(g * out, shape, dims, keepdim) / x, None, None
        return _expand_back(g, shape, dims, keepdim) * _prod_of_others(x._data, dim), None, None


class ProdBackward1(ProdBackward0):
    """``prod(dim)``."""


def _prod_of_others(arr: np.ndarray, dim: int | None):
    """Product of all other elements along ``dim``: exclusive cumprods from both ends (exact with zeros)."""
    shape = arr.shape
    if dim is None:
        arr, dim = arr.reshape(-1), 0
    ones = np.ones_like(np.take(arr, [0], dim))
    left = np.cumprod(np.concatenate([ones, np.delete(arr, -1, dim)], dim), axis=dim)
    flipped = np.flip(arr, dim)
    right = np.flip(np.cumprod(np.concatenate([ones, np.delete(flipped, -1, dim)], dim), axis=dim), dim)
    return wrap((left * right).reshape(shape))


class AmaxBackward0(Op):
    """max/min over dims with the gradient shared evenly among tied extremes (PyTorch's amax/amin rule)."""

    _largest = True

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        fn = np.max if cls._largest else np.min
        out = np.asarray(fn(x, axis=dims, keepdims=True))
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        if keepdim or x.ndim == 0:
            return out
        return out.reshape(()) if dims is None else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        mask = (x == out).to(g.dtype)
        count = mask.sum(dims, keepdim=True) if dims is not None else mask.sum()
        return _expand_back(g, shape, dims, keepdim) * mask / count, None, None


class AminBackward0(AmaxBackward0):
    """``amin``."""

    _largest = False


class MaxBackward1(AmaxBackward0):
    """``max()`` over every element."""


class MinBackward1(AmaxBackward0):
    """``min()`` over every element."""

    _largest = False


class MaxBackward0(Op):
    """max/min along one dim returning (values, indices); the gradient goes to the selected index."""

    _largest = True

    @classmethod
    def _select(cls, x: np.ndarray, dim: int) -> np.ndarray:
        """The index of the chosen element of every slice along ``dim`` (the dim kept, of size 1)."""
        fn = np.argmax if cls._largest else np.argmin
        return fn(x, axis=dim, keepdims=True)

    @classmethod
    def forward(cls, ctx, x, dim, keepdim):
        if x.ndim == 0:
            ctx.meta = (x.shape, None, keepdim)
            return x.copy(), np.zeros((), dtype=np.int64)
        idx = cls._select(x, dim)
        values = np.take_along_axis(x, idx, axis=dim)
        ctx.meta = (x.shape, dim, keepdim)
        ctx.idx = idx
        if not keepdim:
            values, idx = np.squeeze(values, axis=dim), np.squeeze(idx, axis=dim)
        return values, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, g, g_idx=None):
        shape, dim, keepdim = ctx.meta
        if dim is None:
            return g, None, None
        if not keepdim:
            g = g.unsqueeze(dim)
        return scatter_add_into_zeros(g, shape, dim, ctx.idx), None, None


class MinBackward0(MaxBackward0):
    """``min(dim)``."""

    _largest = False


class VarBackward0(Op):
    _std = False

    @classmethod
    def _var(cls, ctx, x, dims, correction, keepdim) -> tuple[np.ndarray, np.ndarray]:
        """(variance, or std, and the mean with ``dims`` kept); saves what ``_var_grad`` reads."""
        mean = np.mean(x, axis=dims, keepdims=True)
        denom = builtins.max(_count(x.shape, dims) - correction, 0)
        diff = x - mean
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(np.sum(diff * diff, axis=dims, keepdims=keepdim) / x.dtype.type(denom))
            if cls._std:
                out = np.sqrt(out, out=out)
        ctx.meta = (x.shape, dims, keepdim, denom)
        ctx.save_for_backward(x, out)
        return out, mean

    @classmethod
    def _var_grad(cls, ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim, denom = ctx.meta
        centered = x - (x.mean(dim=dims, keepdim=True) if dims is not None else x.mean())
        if cls._std:
            g = (g / out).masked_fill(out == 0, 0)
            scale = 1.0 / denom if denom else math.inf
        else:
            scale = 2.0 / denom if denom else math.inf
        return _expand_back(g, shape, dims, keepdim) * centered * scale

    @classmethod
    def forward(cls, ctx, x, dims, correction, keepdim):
        return cls._var(ctx, x, dims, correction, keepdim)[0]

    @classmethod
    def backward(cls, ctx, g):
        return cls._var_grad(ctx, g), None, None, None


class StdBackward0(VarBackward0):
    """``std``."""

    _std = True


class LogsumexpBackward0(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        m = np.max(x, axis=dims, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        if not keepdim and x.ndim:
            out = out.reshape(()) if dims is None else np.squeeze(out, axis=dims)
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        return _expand_back(g, shape, dims, keepdim) * (x - _expand_back(out, shape, dims, keepdim)).exp(), None, None


class LinalgVectorNormBackward0(Op):
    """Vector p-norm over dims (any p > 0, 0, inf, -inf)."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        if p == 2:
            out = np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
        else:
            a = np.abs(x)
            if p == np.inf:
                out = np.max(a, axis=dims, keepdims=keepdim, initial=0)
            elif p == -np.inf:
                out = np.min(a, axis=dims, keepdims=keepdim)
            elif p == 0:
                out = np.sum(a != 0, axis=dims, keepdims=keepdim)
            elif p == 1:
                out = np.sum(a, axis=dims, keepdims=keepdim)
            else:
                out = np.sum(a ** x.dtype.type(p), axis=dims, keepdims=keepdim) ** x.dtype.type(1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.meta = (x.shape, p, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, p, dims, keepdim = ctx.meta
        if p == 0:
            return None, None, None, None
        g = _expand_back(g, shape, dims, keepdim)
        n = _expand_back(out, shape, dims, keepdim)
        if p in (np.inf, -np.inf):
            mask = (x.abs() == n).to(g.dtype)
            count = mask.sum(dim=dims, keepdim=True) if dims is not None else mask.sum()
            return g * x.sign() * mask / count, None, None, None
        if p == 1:
            return g * x.sign(), None, None, None
        zero = n == 0
        n = n.masked_fill(zero, 1)  # a zero norm gets a zero gradient, without a 0/0 on the way
        if p == 2:
            scale = x / n
        else:
            scale = x * x.abs() ** (p - 2) / n ** (p - 1)
        return g * scale.masked_fill(zero, 0), None, None, None


# -- public functions ------------------------------------------------------------------------------------------

def sum(input, dim=None, keepdim=_NO_KEEPDIM, *, dtype=None):
    """Sum of all elements, or over ``dim`` (int or tuple); integers and bools accumulate in int64."""
    keepdim = _check_keepdim("sum", dim, keepdim)
    dt = None if dtype is None else to_numpy_dtype(dtype)
    if dim is None:
        return SumBackward0.apply(input, None, False, dt)
    return SumBackward1.apply(input, _dims(dim, input), keepdim, dt)


def mean(input, dim=None, keepdim=_NO_KEEPDIM, *, dtype=None):
    """Arithmetic mean of all elements, or over ``dim``; floating-point input (or ``dtype``) only."""
    keepdim = _check_keepdim("mean", dim, keepdim)
    if dtype is not None:
        input = input.to(dtype)
    if not is_real_floating(input._data.dtype):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_type_name(input._data.dtype)}")
    if dim is None:
        return MeanBackward0.apply(input, None, False)
    return MeanBackward1.apply(input, _dims(dim, input), keepdim)


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Product of all elements, or along one ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return ProdBackward0.apply(input, None, False)
    normalize_dim(dim, input.ndim)
    return ProdBackward1.apply(input, None if input.ndim == 0 else normalize_dim(dim, input.ndim), keepdim)


class return_types:
    """Named results like ``torch.return_types.max(values=..., indices=...)``."""

    @staticmethod
    def make(name: str):
        return type(name, (namedtuple("_" + name, ["values", "indices"]),),
                    {"__repr__": _return_repr, "__module__": "ember.return_types", "__slots__": ()})


def _return_repr(self) -> str:
    return f"{_naming.PACKAGE}.return_types.{type(self).__name__}(\nvalues={self.values!r},\nindices={self.indices!r})"


_max_t, _min_t = return_types.make("max"), return_types.make("min")


def _minmax(input, dim, keepdim, largest: bool):
    name = "max" if largest else "min"
    if hasattr(dim, "_data"):  # max(a, b) as the elementwise maximum
        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return (MaxBackward1 if largest else MinBackward1).apply(input, None, False)
    dim = normalize_dim(dim, input.ndim)
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    values, indices = (MaxBackward0 if largest else MinBackward0).apply(input, dim, keepdim)
    return (_max_t if largest else _min_t)(values, indices)


def max(input, dim=None, keepdim: bool = False):
    """Maximum of all elements, or (values, indices) along ``dim``, or the elementwise max with a Tensor."""
    return _minmax(input, dim, keepdim, True)


def min(input, dim=None, keepdim: bool = False):
    """Minimum of all elements, or (values, indices) along ``dim``, or the elementwise min with a Tensor."""
    return _minmax(input, dim, keepdim, False)


def _amax(op, name: str, input, dim, keepdim):
    dims = _dims(dim, input) if dim != () else None
    if dims is None and input.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    return op.apply(input, dims, keepdim)


def amax(input, dim=(), keepdim: bool = False):
    """Maximum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax(AmaxBackward0, "amax", input, dim, keepdim)


def amin(input, dim=(), keepdim: bool = False):
    """Minimum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax(AminBackward0, "amin", input, dim, keepdim)


def _arg(np_fn, name: str, input, dim, keepdim):
    data = input._data
    if data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.asarray(np_fn(data), dtype=np.int64)
        return wrap(out.reshape((1,) * data.ndim) if keepdim else out)
    dim = normalize_dim(dim, data.ndim)
    if data.ndim == 0:
        return wrap(np.zeros((), dtype=np.int64))
    return wrap(np.asarray(np_fn(data, axis=dim, keepdims=keepdim), dtype=np.int64))


def argmax(input, dim=None, keepdim: bool = False):
    """Index of the maximum (of the flattened input when ``dim`` is None)."""
    return _arg(np.argmax, "argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim: bool = False):
    """Index of the minimum (of the flattened input when ``dim`` is None)."""
    return _arg(np.argmin, "argmin", input, dim, keepdim)


def _var(op, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(input, unbiased) of older code
        unbiased, dim = dim, None
    if not is_real_floating(input._data.dtype):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return op.apply(input, _dims(dim, input), correction, keepdim)


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance; ``correction`` (default 1, Bessel) or the older ``unbiased`` flag."""
    return _var(VarBackward0, input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation; ``correction`` (default 1, Bessel) or the older ``unbiased`` flag."""
    return _var(StdBackward0, input, dim, unbiased, keepdim, correction)


def logsumexp(input, dim, keepdim: bool = False):
    """``log(sum(exp(input)))`` over ``dim``, computed stably."""
    if not is_real_floating(input._data.dtype):
        input = input.to(get_default_dtype())
    if isinstance(dim, (tuple, list)) and not dim and not keepdim and input.ndim:
        # PyTorch reduces every dim for dim=() but then fails to write the squeezed result
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape [{', '.join(['1'] * input.ndim)}]")
    return LogsumexpBackward0.apply(input, _dims(dim, input), keepdim)


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm (over at most two dims)."""
    if dtype is not None:
        input = input.to(dtype)
    if not is_real_floating(input._data.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(input._data.dtype)}")
    if isinstance(p, str):
        dims = (dim,) if isinstance(dim, int) else dim
        if p == "fro" and (dims is None or len(dims) <= 2):
            p = 2
        elif input.ndim < 2:
            raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
        elif dims is not None and len(dims) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
        else:
            raise NotImplementedError(f"norm with p='{p}' (a matrix norm) is not supported")
    return LinalgVectorNormBackward0.apply(input, 2.0 if p is None else float(p), _dims(dim, input), keepdim)


def _logical_reduce(np_fn, input, dim, keepdim):
    data = input._data
    out = np.asarray(np_fn(data, axis=_dims(dim, input), keepdims=keepdim))
    return wrap(out.astype(np.uint8) if data.dtype == np.uint8 else out)


def all(input, dim=None, keepdim: bool = False):
    """True where every element (over ``dim``) is nonzero; uint8 input gives uint8, as in PyTorch."""
    return _logical_reduce(np.all, input, dim, keepdim)


def any(input, dim=None, keepdim: bool = False):
    """True where some element (over ``dim``) is nonzero; uint8 input gives uint8, as in PyTorch."""
    return _logical_reduce(np.any, input, dim, keepdim)


_aminmax_t = type("aminmax", (namedtuple("_aminmax", ["min", "max"]),),
                  {"__module__": "ember.return_types", "__slots__": (),
                   "__repr__": lambda self: f"{_naming.PACKAGE}.return_types.aminmax(\nmin={self.min!r},\n"
                                            f"max={self.max!r})"})


def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(amin, amax)`` over ``dim`` (all elements by default), as one named result."""
    if input.numel() == 0 and (dim is None or input.shape[normalize_dim(dim, input.ndim)] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    over = () if dim is None else dim
    return _aminmax_t(amin(input, over, keepdim), amax(input, over, keepdim))


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other``."""
    return norm(input - other, p)


def renorm(input, p, dim: int, maxnorm):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to that norm."""
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    dim = normalize_dim(dim, input.ndim)
    others = tuple(d for d in range(input.ndim) if d != dim)
    norms = norm(input, p, others, keepdim=True)
    scale = (maxnorm / (norms + 1e-7)).masked_fill(norms <= maxnorm, 1.0)
    return input * scale


class CdistBackward0(Op):
    """``cdist`` computed on the differences of every row pair, in blocks of rows of ``x1`` (the (B, P, R, M)
    differences are never all held); its backward is PyTorch's ``_cdist_backward`` (no double backward)."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, x1, x2, p):
        ctx.save_for_backward(x1, x2)
        ctx.p = p
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
        out = np.empty(batch + (x1.shape[-2], x2.shape[-2]), dtype=np.result_type(x1, x2))
        for rows in _cdist_blocks(x1, x2):
            diff = np.abs(x1[..., rows, None, :] - x2[..., None, :, :])
            if p == 0:
                out[..., rows, :] = np.count_nonzero(diff, axis=-1)
            elif p == math.inf:
                out[..., rows, :] = diff.max(-1, initial=0)
            elif p == 1:
                out[..., rows, :] = diff.sum(-1)
            elif p == 2:
                out[..., rows, :] = np.sqrt((diff * diff).sum(-1))
            else:
                out[..., rows, :] = (diff ** p).sum(-1) ** (1 / p)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2 = (t._data for t in ctx.saved_tensors)
        p, dist, g = ctx.p, ctx.out, g._data
        g1 = np.zeros(np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2]) + x1.shape[-2:], dtype=dist.dtype)
        g2 = np.zeros(g1.shape[:-2] + x2.shape[-2:], dtype=dist.dtype)
        if p != 0:
            for rows in _cdist_blocks(x1, x2):
                diff = x1[..., rows, None, :] - x2[..., None, :, :]
                d, gd = dist[..., rows, :, None], g[..., rows, :, None]
                with np.errstate(divide="ignore", invalid="ignore"):
                    if p == 1:
                        w = np.sign(diff)
                    elif p == math.inf:
                        w = np.sign(diff) * (np.abs(diff) == d)
                    elif p == 2:
                        w = np.where(d == 0, 0, diff / d)
                    else:
                        w = np.where(d == 0, 0, diff * np.abs(diff) ** (p - 2) / d ** (p - 1))
                contribution = gd * w
                g1[..., rows, :] = contribution.sum(-2)
                g2 -= contribution.sum(-3)
        return (wrap(sum_to_array(g1, x1.shape)) if ctx.needs_input_grad[0] else None,
                wrap(sum_to_array(g2, x2.shape)) if ctx.needs_input_grad[1] else None, None)


# values of the (rows, R, M) differences one block of ``cdist`` holds at a time
_CDIST_BLOCK = 1 << 20


def _cdist_blocks(x1: np.ndarray, x2: np.ndarray) -> list:
    """Slices of ``x1``'s rows whose differences with all of ``x2`` stay within ``_CDIST_BLOCK`` values a batch."""
    per_row = builtins.max(1, x2.shape[-2] * x2.shape[-1] * builtins.max(1, math.prod(x1.shape[:-2])))
    step = builtins.max(1, _CDIST_BLOCK // per_row)
    return [slice(i, i + step) for i in range(0, x1.shape[-2], step)]


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distances between each row of ``x1`` (B, P, M) and each row of ``x2`` (B, R, M): (B, P, R).

    For p = 2 with more than 25 rows on either side (or ``compute_mode='use_mm_for_euclid_dist'``) PyTorch's
    matrix-product form, ``sqrt(clamp(|a|^2 + |b|^2 - 2 a.b, 0))``; otherwise the differences of every pair."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (x1.shape[-2] > 25 or x2.shape[-2] > 25))
    if p == 2 and mm:
        out = EuclideanDistBackward0.apply(x1, x2)
        return out.view(tuple(out.shape))  # PyTorch's node on top: ViewBackward0
    return CdistBackward0.apply(x1, x2, float(p))


class EuclideanDistBackward0(Op):
    """Euclidean ``cdist`` by one matrix product, ``sqrt(clamp([-2a, |a|^2, 1] . [b, 1, |b|^2], 0))``, the terms in
    PyTorch's order (so a zero distance rounds as PyTorch's does); a zero distance passes no gradient (PyTorch's
    ``_euclidean_dist``)."""

    @staticmethod
    def forward(ctx, x1, x2):
        n1, n2 = (x1 * x1).sum(-1, keepdims=True), (x2 * x2).sum(-1, keepdims=True)
        left = np.concatenate([-2 * x1, n1, np.ones_like(n1)], -1)
        right = np.concatenate([x2, np.ones_like(n2), n2], -1)
        out = np.sqrt(np.maximum(left @ np.swapaxes(right, -1, -2), 0))
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, out = ctx.saved_tensors
        ratio = (g / out).masked_fill(out == 0, 0)
        g1 = x1 * ratio.sum(-1, keepdim=True) - ratio @ x2
        g2 = x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT @ x1
        return (g1.sum_to_size(x1.shape) if ctx.needs_input_grad[0] else None,
                g2.sum_to_size(x2.shape) if ctx.needs_input_grad[1] else None)
