"""Tensor creation: tensor/as_tensor/from_numpy, zeros/ones/full/empty/eye/arange/linspace, random draws, *_like."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ._device import check_device
from ._dtype import from_numpy_dtype, get_default_dtype, int64, is_floating, is_real_floating, to_numpy_dtype
from ._random import default_generator
from ._size import parse_size
from ._tensor import Tensor, wrap


def _finish(data: np.ndarray, requires_grad: bool, device=None, copied: bool = False) -> Tensor:
    """``data`` as a new tensor on ``device``; ``copied``: made from existing data (``tensor``, ``as_tensor``), which
    fails for another device as a copy there does, not as a factory (see ``not_compiled``)."""
    if device is not None:
        check_device(device, factory=not copied)
    t = wrap(data)
    if requires_grad:
        if not is_floating(data.dtype):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _first_non_number(data):
    """The first leaf of nested sequences that is no number: the one PyTorch's message names."""
    if isinstance(data, (list, tuple)):
        for x in data:
            bad = _first_non_number(x)
            if bad is not None:
                return bad
        return None
    return None if isinstance(data, (int, float, complex, np.number, np.bool_)) else data


def _infer_array(data, dtype) -> np.ndarray:
    """Convert data the way torch.tensor does: Python floats -> default dtype, ints -> int64, bools -> bool;
    NumPy arrays and scalars keep their dtype."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        head = _leaf(data)
        if isinstance(head, Tensor):
            arr = np.array([_infer_array(x, None) for x in data])
        else:
            arr = np.array(data)
            if arr.dtype == object or arr.dtype.kind in "USV":
                bad = _first_non_number(data)
                raise TypeError(f"new(): invalid data type '{type(head if bad is None else bad).__name__}'")
            if dtype is None and not isinstance(head, np.generic):
                if is_real_floating(arr.dtype):
                    arr = arr.astype(get_default_dtype().np, copy=False)
                elif arr.dtype.kind == "c":
                    arr = arr.astype(get_default_dtype().to_complex().np, copy=False)
                elif arr.dtype.kind in "iu" or arr.size == 0:
                    arr = arr.astype(np.int64 if arr.size else get_default_dtype().np, copy=False)
    if dtype is not None:
        arr = arr.astype(to_numpy_dtype(dtype), copy=False)
    else:
        from_numpy_dtype(arr.dtype)
    return arr


def _leaf(data):
    """The first scalar of nested lists (None for empty ones)."""
    while isinstance(data, (list, tuple)):
        if not data:
            return None
        data = data[0]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor that copies ``data`` (nested lists, numbers, NumPy arrays or tensors)."""
    return _finish(np.array(_infer_array(data, dtype), copy=True), requires_grad, device, copied=True)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when no conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or to_numpy_dtype(dtype) == data._data.dtype):
        return data
    return _finish(_infer_array(data, dtype), False, device, copied=True)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return wrap(ndarray)


def _dt(dtype) -> np.dtype:
    return get_default_dtype().np if dtype is None else to_numpy_dtype(dtype)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size."""
    return _finish(np.zeros(parse_size(size, "zeros"), _dt(dtype)), requires_grad, device)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    return _finish(np.full(parse_size(size, "ones"), 1, _dt(dtype)), requires_grad, device)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          memory_format=None) -> Tensor:
    """An uninitialised tensor of the given size."""
    return _finish(np.empty(parse_size(size, "empty"), _dt(dtype)), requires_grad, device)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if dtype is None:
        dtype = _scalar_dtype(fill_value)
    return _finish(np.full(parse_size((size,), "full"), fill_value, _dt(dtype)), requires_grad, device)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return int64
    if isinstance(value, Tensor):
        return value.dtype
    return None


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_dt(dtype)), requires_grad, device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values in [start, end) by step; integers give int64, any float gives the default dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = int64 if all(isinstance(x, int) for x in (start, end, step)) else None
    n = math.ceil((end - start) / step)
    data = (start + np.arange(n, dtype=np.float64) * step) if is_real_floating(_dt(dtype)) else np.arange(start, end, step)
    return _finish(data.astype(_dt(dtype)), requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end (inclusive)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps, dtype=np.float64).astype(_dt(dtype)), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in log scale."""
    return _finish(np.logspace(start, end, steps, base=base).astype(_dt(dtype)), requires_grad, device)


def _drawn(shape, dtype, requires_grad: bool, device, fill, *args) -> Tensor:
    """A new contiguous tensor filled by a generator's ``fill_*``, as PyTorch's ``empty(...).op_(...)``."""
    data = np.empty(shape, dtype=dtype)
    fill(data, *args)
    return _finish(data, requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the default (or given) generator."""
    gen = generator or default_generator
    return _drawn(parse_size(size, "rand"), _dt(dtype), requires_grad, device, gen.fill_uniform, 0.0, 1.0)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the default (or given) generator."""
    gen = generator or default_generator
    return _drawn(parse_size(size, "randn"), _dt(dtype), requires_grad, device, gen.fill_normal, 0.0, 1.0)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high); ``randint(high, size)`` is also accepted."""
    if size is None:
        low, high, size = 0, low, high
    gen = generator or default_generator
    return _drawn(parse_size((size,)), to_numpy_dtype(dtype or int64), requires_grad, device, gen.fill_random, low,
                  high)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default)."""
    parse_size((n,))
    gen = generator or default_generator
    return _finish(gen.permutation(n).astype(to_numpy_dtype(dtype or int64)), requires_grad, device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False):
    """Normal draws; mean and std may be numbers or tensors (broadcast), computed as PyTorch does: N(0, std) plus
    a tensor mean, or N(0, 1) times a tensor std plus the mean."""
    gen = generator or default_generator
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        return _drawn(parse_size((size,)), _dt(dtype), requires_grad, device, gen.fill_normal, mean, std)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
    out = np.empty(np.broadcast_shapes(np.shape(m), np.shape(s)), dtype=dt)
    if isinstance(std, Tensor):
        gen.fill_normal(out, 0.0, 1.0)
        out = out * s.astype(dt, copy=False)
        out = out + (m.astype(dt, copy=False) if isinstance(m, np.ndarray) else dt.type(m))
    else:
        gen.fill_normal(out, 0.0, std)
        out = out + m.astype(dt, copy=False)
    return _finish(out.astype(dt, copy=False), requires_grad)


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """1 with probability ``input`` (or the number ``p``) elementwise, else 0, in ``input``'s dtype."""
    gen = generator or default_generator
    out = np.empty(input.shape, dtype=input._data.dtype)
    gen.fill_bernoulli(out, input._data if p is None else p)
    return wrap(out)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Category indices drawn with the given (unnormalised) weights per row, by PyTorch's two algorithms: for one
    sample or without replacement the top ``weight / Exp(1)`` keys, else a binary search of the normalised
    cumulative weights per float64 uniform."""
    gen = generator or default_generator
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    probs = np.atleast_2d(input._data)
    if not replacement or num_samples == 1:
        if not np.all(np.isfinite(probs) & (probs >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(probs.sum(-1) <= 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = np.empty(probs.shape, dtype=probs.dtype)
        gen.fill_exponential(q, 1.0)
        keys = probs / q
        out = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        if np.any(probs < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not np.all(np.isfinite(probs)):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        cum = np.cumsum(probs, axis=-1, dtype=probs.dtype)
        total = cum[:, -1:].copy()
        if np.any(total <= 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cum /= total
        cum[:, -1] = 1
        u = gen.unit(probs.shape[0] * num_samples, np.float64).reshape(probs.shape[0], num_samples)
        out = np.stack([np.searchsorted(row.astype(np.float64), draws, side="left") for row, draws in zip(cum, u)])
    out = out.astype(np.int64)
    return wrap(out if input.ndim == 2 else out[0])


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None, **kwargs):
        return fn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, **kwargs)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and by default the dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def _drawn_like(input, dtype, requires_grad: bool, device, fill, *args) -> Tensor:
    """A new tensor with ``input``'s memory layout (PyTorch's preserve_format: a transposed input gives a transposed
    result, which PyTorch fills in memory order and, for normal draws, by the small-size path)."""
    data = np.empty_like(input._data, dtype=to_numpy_dtype(dtype) if dtype is not None else None)
    fill(data, *args)
    return _finish(data, requires_grad, device)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None):
    """``rand`` with the shape, layout and (by default) dtype of ``input``."""
    gen = generator or default_generator
    return _drawn_like(input, dtype, requires_grad, device, gen.fill_uniform, 0.0, 1.0)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None):
    """``randn`` with the shape, layout and (by default) dtype of ``input``."""
    gen = generator or default_generator
    return _drawn_like(input, dtype, requires_grad, device, gen.fill_normal, 0.0, 1.0)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None):
    """A tensor shaped like ``input`` filled with ``fill_value``."""
    return full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False):
    """Integers in [low, high) shaped like ``input``; ``randint_like(x, high)`` is also accepted."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator, dtype=dtype or input.dtype,
                   requires_grad=requires_grad)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The deprecated ``torch.range``: ``start`` to ``end`` inclusive, in the default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    count = int(math.floor((end - start) / step)) + 1
    return _finish((start + np.arange(count, dtype=np.float64) * step).astype(_dt(dtype)), requires_grad, device)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=None) -> Tensor:
    """A 0-d tensor holding ``s``, in the default float dtype unless ``dtype`` says otherwise."""
    return _finish(np.asarray(s, dtype=_dt(dtype)), requires_grad, device)


def fill(input, value) -> Tensor:
    """A new tensor shaped like ``input`` (and of its dtype) filled with ``value``."""
    return _finish(np.full(input._data.shape, value, dtype=input._data.dtype), False)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """A tensor of ``size`` whose elements lie ``stride`` apart (in elements) in a fresh zeroed buffer."""
    np_dtype = _dt(dtype)
    size, stride = tuple(size), tuple(stride)
    span = 1 + sum((n - 1) * st for n, st in zip(size, stride)) if all(size) else 0
    buffer = np.zeros(span, dtype=np_dtype)
    strided = np.lib.stride_tricks.as_strided(buffer, size, tuple(st * np_dtype.itemsize for st in stride))
    return _finish(strided, requires_grad, device)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """A tensor of ``size`` laid out in memory in the dim order ``physical_layout`` (outermost first)."""
    size = tuple(size)
    physical = np.zeros(tuple(size[d] for d in physical_layout), dtype=_dt(dtype))
    return _finish(physical.transpose(np.argsort(physical_layout)), requires_grad, device)
