"""Reductions over dims: sum, mean, prod, max/min, var/std, logsumexp, norm, cumsum, all/any, argmax."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._dtype import get_default_dtype, to_numpy_dtype
from ..autograd.function import Op
from ._util import normalize_dim, normalize_dims


def _expand_back(g, in_shape: tuple, dims: tuple | None, keepdim: bool):
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims is not None and g.ndim != len(in_shape):
        kept = [1 if i in dims else s for i, s in enumerate(in_shape)]
        g = g.reshape(kept)
    elif dims is None and g.ndim != len(in_shape):
        g = g.reshape((1,) * len(in_shape))
    return g.expand(in_shape)


def _axis(dims):
    return dims if dims is None else (dims[0] if len(dims) == 1 else dims)


class Sum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.meta = (x.shape, dims, keepdim)
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        return np.asarray(np.sum(x, axis=_axis(dims), keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim = ctx.meta
        return _expand_back(g, shape, dims, keepdim), None, None, None


class Mean(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.meta = (x.shape, dims, keepdim)
        ctx.count = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        return np.asarray(np.mean(x, axis=_axis(dims), keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        shape, dims, keepdim = ctx.meta
        return _expand_back(g / ctx.count, shape, dims, keepdim), None, None


class Prod(Op):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.meta = (x.shape, dim, keepdim)
        ctx.save_for_backward(x)
        return np.asarray(np.prod(x, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.meta
        arr = x._data if dim is not None else x._data.reshape(-1)
        axis = dim if dim is not None else 0
        # product of all other elements = exclusive cumprod from the left * from the right (exact with zeros)
        left = np.cumprod(np.concatenate([np.ones_like(np.take(arr, [0], axis)), np.delete(arr, -1, axis)], axis),
                          axis=axis)
        flipped = np.flip(arr, axis)
        right = np.flip(np.cumprod(np.concatenate(
            [np.ones_like(np.take(flipped, [0], axis)), np.delete(flipped, -1, axis)], axis), axis=axis), axis)
        from .._tensor import wrap

        others = wrap((left * right).reshape(shape))
        dims = None if dim is None else (dim,)
        return _expand_back(g, shape, dims, keepdim) * others, None, None


class Amax(Op):
    """max/min over dims with the gradient shared evenly among tied maxima (PyTorch's amax/amin rule)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        fn = np.max if largest else np.min
        out = np.asarray(fn(x, axis=_axis(dims), keepdims=True))
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out if keepdim or dims is None and x.ndim == 0 else (
            out.reshape(()) if dims is None else np.squeeze(out, axis=dims))

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        mask = (x == out).to(g.dtype)
        count = mask.sum(dims, keepdim=True) if dims is not None else mask.sum()
        return _expand_back(g, shape, dims, keepdim) * mask / count, None, None, None


class MaxDim(Op):
    """max/min along one dim returning (values, indices); the gradient goes to the selected index."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        idx = np.argmax(x, axis=dim, keepdims=True) if largest else np.argmin(x, axis=dim, keepdims=True)
        values = np.take_along_axis(x, idx, axis=dim)
        ctx.meta = (x.shape, dim, keepdim)
        ctx.idx = idx
        if not keepdim:
            values, idx = np.squeeze(values, axis=dim), np.squeeze(idx, axis=dim)
        return values, idx.astype(np.int64)

    @staticmethod
    def backward(ctx, g, g_idx=None):
        from .index import scatter_add_into_zeros

        shape, dim, keepdim = ctx.meta
        if not keepdim:
            g = g.unsqueeze(dim)
        return scatter_add_into_zeros(g, shape, dim, ctx.idx), None, None, None


class Var(Op):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        mean = np.mean(x, axis=_axis(dims), keepdims=True)
        n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        ctx.meta = (x.shape, dims, keepdim, max(n - correction, 0))
        ctx.save_for_backward(x)
        ctx.mean = mean
        diff = x - mean
        return np.asarray(np.sum(diff * diff, axis=_axis(dims), keepdims=keepdim) / x.dtype.type(max(n - correction, 0)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, keepdim, denom = ctx.meta
        mean = x.mean(dim=dims, keepdim=True) if dims is not None else x.mean()
        return _expand_back(g, shape, dims, keepdim) * (x - mean) * (2.0 / denom), None, None, None


class Logsumexp(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        m = np.max(x, axis=_axis(dims), keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=_axis(dims), keepdims=True)) + m
        ctx.meta = (x.shape, dims, keepdim)
        ctx.save_for_backward(x)
        ctx.out_keep = out
        return out if keepdim else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        from .._tensor import wrap

        return _expand_back(g, shape, dims, keepdim) * (x - wrap(ctx.out_keep)).exp(), None, None


class Norm(Op):
    """p-norm over dims (p = 2 by default, any p > 0, inf, -inf)."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = np.abs(x)
        if p == np.inf:
            out = np.max(a, axis=_axis(dims), keepdims=keepdim)
        elif p == -np.inf:
            out = np.min(a, axis=_axis(dims), keepdims=keepdim)
        elif p == 2:
            out = np.sqrt(np.sum(x * x, axis=_axis(dims), keepdims=keepdim))
        elif p == 0:
            out = np.sum(a != 0, axis=_axis(dims), keepdims=keepdim).astype(x.dtype)
        else:
            out = np.sum(a ** p, axis=_axis(dims), keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.meta = (x.shape, p, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape, p, dims, keepdim = ctx.meta
        g = _expand_back(g, shape, dims, keepdim)
        n = _expand_back(out, shape, dims, keepdim)
        if p in (np.inf, -np.inf):
            mask = (x.abs() == n).to(g.dtype)
            count = mask.sum(dim=dims, keepdim=True) if dims is not None else mask.sum()
            return g * x.sign() * mask / count, None, None, None
        if p == 0:
            return g * 0, None, None, None
        if p == 2:
            scale = x / n
        else:
            scale = x * x.abs() ** (p - 2) / n ** (p - 1)
        return g * scale.masked_fill(n == 0, 0), None, None, None


class Cumsum(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=np.int64 if x.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


# -- public functions ------------------------------------------------------------------------------------------

def sum(input, dim=None, keepdim: bool = False, *, dtype=None):
    dims = normalize_dims(dim, input.ndim)
    return Sum.apply(input, dims, keepdim, None if dtype is None else to_numpy_dtype(dtype))


def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {input.dtype.name.capitalize() if input.dtype.name != 'int64' else 'Long'}")
    return Mean.apply(input, normalize_dims(dim, input.ndim), keepdim)


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim is not None:
        dim = normalize_dim(dim, input.ndim)
    return Prod.apply(input, dim, keepdim)


_MinMax = namedtuple("_MinMax", ["values", "indices"])


class return_types:
    """Named results like ``torch.return_types.max(values=..., indices=...)``."""

    @staticmethod
    def make(name: str):
        cls = type(name, (_MinMax,), {"__repr__": _return_repr, "__module__": "ember.return_types"})
        return cls


def _return_repr(self) -> str:
    return f"ember.return_types.{type(self).__name__}(\nvalues={self.values!r},\nindices={self.indices!r})"


_max_t, _min_t = return_types.make("max"), return_types.make("min")


def _minmax(input, dim, keepdim, largest: bool, other=None):
    from .arith import maximum, minimum

    if hasattr(dim, "_data"):  # max(a, b) as the elementwise maximum
        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        return Amax.apply(input, None, False, largest)
    dim = normalize_dim(dim, input.ndim)
    values, indices = MaxDim.apply(input, dim, keepdim, largest)
    return (_max_t if largest else _min_t)(values, indices)


def max(input, dim=None, keepdim: bool = False):
    """Maximum of all elements, or (values, indices) along ``dim``, or the elementwise max with a Tensor."""
    return _minmax(input, dim, keepdim, True)


def min(input, dim=None, keepdim: bool = False):
    return _minmax(input, dim, keepdim, False)


def amax(input, dim=(), keepdim: bool = False):
    return Amax.apply(input, normalize_dims(dim, input.ndim) if dim != () else None, keepdim, True)


def amin(input, dim=(), keepdim: bool = False):
    return Amax.apply(input, normalize_dims(dim, input.ndim) if dim != () else None, keepdim, False)


def argmax(input, dim=None, keepdim: bool = False):
    from .._tensor import wrap

    if dim is None:
        out = np.asarray(np.argmax(input._data))
        return wrap(out.reshape((1,) * input.ndim) if keepdim else out)
    return wrap(np.argmax(input._data, axis=normalize_dim(dim, input.ndim), keepdims=keepdim))


def argmin(input, dim=None, keepdim: bool = False):
    from .._tensor import wrap

    if dim is None:
        out = np.asarray(np.argmin(input._data))
        return wrap(out.reshape((1,) * input.ndim) if keepdim else out)
    return wrap(np.argmin(input._data, axis=normalize_dim(dim, input.ndim), keepdims=keepdim))


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance; ``correction`` (default 1, Bessel) or the older ``unbiased`` flag."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return Var.apply(input, normalize_dims(dim, input.ndim), _correction(unbiased, correction), keepdim)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def logsumexp(input, dim, keepdim: bool = False):
    return Logsumexp.apply(input, normalize_dims(dim, input.ndim), keepdim)


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm."""
    if dtype is not None:
        input = input.to(dtype)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("nuclear norm is not supported")
    return Norm.apply(input, float(p), normalize_dims(dim, input.ndim), keepdim)


def cumsum(input, dim: int, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return Cumsum.apply(input, normalize_dim(dim, input.ndim))


def all(input, dim=None, keepdim: bool = False):
    from .._tensor import wrap

    return wrap(np.asarray(np.all(input._data, axis=_axis(normalize_dims(dim, input.ndim)), keepdims=keepdim)))


def any(input, dim=None, keepdim: bool = False):
    from .._tensor import wrap

    return wrap(np.asarray(np.any(input._data, axis=_axis(normalize_dims(dim, input.ndim)), keepdims=keepdim)))


class Softmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        m = np.max(x, axis=dim, keepdims=True)
        e = np.exp(x - m)
        e /= np.sum(e, axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        m = np.max(x, axis=dim, keepdims=True)
        shifted = x - m
        out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def _softmax_input(input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind != "f":
        input = input.to(get_default_dtype())
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input, normalize_dim(dim, input.ndim)


def softmax(input, dim=None, dtype=None):
    input, dim = _softmax_input(input, dim, dtype)
    return Softmax.apply(input, dim)


def log_softmax(input, dim=None, dtype=None):
    input, dim = _softmax_input(input, dim, dtype)
    return LogSoftmax.apply(input, dim)
