"""Pooling functions of ``nn.functional``: max, average, adaptive, LP pooling and max unpooling in 1, 2 and 3 dims.

Pooling runs over the last 1/2/3 axes of a batched (N, C, *) or unbatched (C, *) input. As in PyTorch, the 1-d
forms run the 2-d op on an unsqueezed input (their grad_fn is a squeeze over ``MaxPool2DWithIndicesBackward0``,
``AvgPool2DBackward0``, ...).
"""
from __future__ import annotations

import math

import numpy as np

from ...kernels.pool import Geometry, adaptive_avg_weights
from .ops import ADAPTIVE_AVG_POOL, ADAPTIVE_MAX_POOL, AVG_POOL, MAX_POOL, MAX_UNPOOL
from .checks import (adaptive_output_shape, avg_divisor, check_adaptive_input, check_dtype, check_input,
                         expand_arg, is_uniform, output_shape, pool_args)
from ...pointwise import relu
from ...._dtype import is_real_floating

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
]


def _as_2d(k, s, p, d):
    """1-d pooling parameters as the 2-d ones of a height-1 input."""
    return (1,) + k, (1,) + s, (0,) + p, (1,) + d


# -- max pooling ---------------------------------------------------------------------------------------------------
# Checked arguments and the Geometry they give, by everything the checks read: a layer called again on same-shaped
# input skips them (for one small image they cost as much as the pooling). A Geometry is never changed once made.
_CHECKED: dict = {}


def _max_pool(nd: int, input, kernel_size, stride, padding, dilation, ceil_mode: bool, return_indices: bool):
    try:
        key = (nd, input.shape, input._data.dtype, kernel_size, stride, padding, dilation, ceil_mode)
        geom = _CHECKED.get(key)
    except TypeError:  # unhashable arguments (lists): check every time
        key = geom = None
    if geom is None:
        geom = _max_pool_geometry(nd, input, kernel_size, stride, padding, dilation, ceil_mode)
        if key is not None and len(_CHECKED) < 1024:
            _CHECKED[key] = geom
    x = input.unsqueeze(-2) if nd == 1 else input
    res = MAX_POOL[len(geom.k)].apply(x, geom, return_indices)
    if nd == 1:
        res = tuple(r.squeeze(-2) for r in res) if return_indices else res.squeeze(-2)
    return res


def _max_pool_geometry(nd: int, input, kernel_size, stride, padding, dilation, ceil_mode: bool) -> Geometry:
    """PyTorch's errors for bad max-pooling arguments; else the Geometry of the (2-d for 1-d) pooling."""
    fn = f"max_pool{nd}d"
    check_input(fn, tuple(input.shape), nd)
    check_dtype(fn, input._data, allow_int=True)
    k, s, p, d = pool_args(fn, nd, kernel_size, stride, padding, dilation)
    out = output_shape(tuple(input.shape), k, s, p, d, ceil_mode)
    shape = tuple(input.shape)
    if nd == 1:
        shape = shape[:-1] + (1,) + shape[-1:]
        k, s, p, d = _as_2d(k, s, p, d)
        out = (1,) + out
    return Geometry(shape[-len(k):], k, s, p, d, out)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-d max pooling over (N, C, L) or (C, L); with ``return_indices`` also the int64 argmax positions."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); indices are flat positions within each H*W plane."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool1d`` returning (values, indices)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool2d`` returning (values, indices)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool3d`` returning (values, indices)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- max unpooling -------------------------------------------------------------------------------------------------
def _unpool_size(fn: str, in_spatial: tuple, k, s, p, output_size) -> tuple:
    nd = len(k)
    default = tuple((n - 1) * sj + kj - 2 * pj for n, kj, sj, pj in zip(in_spatial, k, s, p))
    if output_size is None:
        return default
    given = tuple(int(v) for v in output_size)
    if len(given) == nd + 2:
        given = given[2:]
    if len(given) != nd:
        raise ValueError(f"{fn}: output_size should be a sequence containing {nd} or {nd + 2} elements, but it has "
                         f"a length of '{len(given)}'")
    for j in range(nd):
        lo, hi = default[j] - s[j], default[j] + s[j]
        if not lo < given[j] < hi:
            raise ValueError(f'{fn}: invalid output_size "{output_size}" (dim {j} must be between {lo} and {hi})')
    return given


def _max_unpool(nd: int, input, indices, kernel_size, stride, padding, output_size):
    fn = f"max_unpool{nd}d"
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}: Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, but got "
                           f"a tensor with {len(shape)} dimensions.")
    idx = indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"{fn}: elements in indices should be type int64 but got: "
                           f"{indices.type().split('.')[-1].replace('Tensor', '')}")
    if idx.shape != shape:
        raise RuntimeError(f"{fn}: Expected shape of indices to be same as that of the input tensor ({list(shape)}) "
                           f"but got indices tensor with shape: {list(idx.shape)}")
    k = expand_arg(kernel_size, nd, "kernel_size", fn)
    s = k if stride is None else expand_arg(stride, nd, "stride", fn)
    p = expand_arg(padding, nd, "padding", fn)
    plane = _unpool_size(fn, shape[-nd:], k, s, p, output_size)
    x = input
    if nd == 1:
        x, indices, plane = input.unsqueeze(-1), indices.unsqueeze(-1), plane + (1,)
    if idx.size:
        bad = (idx < 0) | (idx >= math.prod(plane))
        if bad.any():
            raise RuntimeError(f"{fn}: Found an invalid max index: {idx[bad].flat[0]} (output volumes are of size "
                               f"{'x'.join(map(str, plane))})")
    out = MAX_UNPOOL[len(plane)].apply(x, indices._data, plane)
    return out.squeeze(-1) if nd == 1 else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: values placed at their indices, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: values placed at their indices, zeros elsewhere."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``: values placed at their indices, zeros elsewhere."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# -- average pooling -----------------------------------------------------------------------------------------------
def _avg_pool(nd: int, input, kernel_size, stride, padding, ceil_mode: bool, count_include_pad: bool,
              divisor_override):
    fn = f"avg_pool{nd}d"
    check_input(fn, tuple(input.shape), nd)
    check_dtype(fn, input._data, allow_int=True)
    k, s, p, _ = pool_args(fn, nd, kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{fn}: divisor must be not zero")
    spatial = tuple(input.shape[-nd:])
    out = output_shape(tuple(input.shape), k, s, p, (1,) * nd, ceil_mode)
    dtype = input._data.dtype if is_real_floating(input._data.dtype) else np.dtype(np.float64)
    if divisor_override is not None:
        divisor = int(divisor_override)
    else:
        parts = [avg_divisor(*a, count_include_pad) for a in zip(spatial, k, s, p, out)]
        if all(is_uniform(a) for a in parts):
            divisor = math.prod(int(a.flat[0]) if a.size else 1 for a in parts)
        else:
            divisor = np.ones((), dtype)
            for a in parts:
                divisor = np.multiply.outer(divisor, a.astype(dtype))
    x = input
    if nd == 1:
        x = input.unsqueeze(-2)
        k, s, p, _ = _as_2d(k, s, p, (1,))
        out = (1,) + out
        if isinstance(divisor, np.ndarray):
            divisor = divisor[None]
    geom = Geometry(tuple(x.shape[-len(k):]), k, s, p, (1,) * len(k), out)
    res = AVG_POOL[len(k)].apply(x, geom, divisor)
    return res.squeeze(-2) if nd == 1 else res


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True):
    """1-d average pooling over (N, C, L) or (C, L)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """2-d average pooling over (N, C, H, W) or (C, H, W)."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


# -- adaptive pooling ----------------------------------------------------------------------------------------------
def _adaptive_avg_pool(nd: int, input, output_size):
    fn = f"adaptive_avg_pool{nd}d"
    shape = tuple(input.shape)
    check_adaptive_input(fn, shape, nd)
    check_dtype(fn, input._data, allow_int=False)
    out = adaptive_output_shape(fn, output_size, shape[-nd:])
    x = input.unsqueeze(-2) if nd == 1 else input
    out = (1,) + out if nd == 1 else out
    if all(o == 1 for o in out):
        res = x.mean(tuple(range(-len(out), 0)), keepdim=True)  # PyTorch takes the mean here too
    else:
        sizes = tuple(x.shape[-len(out):])
        weights = tuple(adaptive_avg_weights(n, o, input._data.dtype) for n, o in zip(sizes, out))
        res = ADAPTIVE_AVG_POOL[len(out)].apply(x, weights)
    return res.squeeze(-2) if nd == 1 else res


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed length: window i spans [floor(i*L/out), ceil((i+1)*L/out))."""
    return _adaptive_avg_pool(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (H, W); None keeps that input size."""
    return _adaptive_avg_pool(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed (D, H, W); None keeps that input size."""
    return _adaptive_avg_pool(3, input, output_size)


def _adaptive_max_pool(nd: int, input, output_size, return_indices: bool):
    fn = f"adaptive_max_pool{nd}d"
    shape = tuple(input.shape)
    check_adaptive_input(fn, shape, nd)
    check_dtype(fn, input._data, allow_int=False)
    out = adaptive_output_shape(fn, output_size, shape[-nd:])
    x = input.unsqueeze(-2) if nd == 1 else input
    out = (1,) + out if nd == 1 else out
    values, indices = ADAPTIVE_MAX_POOL[len(out)].apply(x, out)
    if nd == 1:
        values, indices = values.squeeze(-2), indices.squeeze(-2)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed length (windows as ``adaptive_avg_pool1d``)."""
    return _adaptive_max_pool(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed (H, W); None keeps that input size."""
    return _adaptive_max_pool(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):
    """Max pooling to a fixed (D, H, W); None keeps that input size."""
    return _adaptive_max_pool(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices: bool = False):
    """``adaptive_max_pool1d`` returning (values, indices)."""
    return _adaptive_max_pool(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices: bool = False):
    """``adaptive_max_pool2d`` returning (values, indices)."""
    return _adaptive_max_pool(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices: bool = False):
    """``adaptive_max_pool3d`` returning (values, indices)."""
    return _adaptive_max_pool(3, input, output_size, True)


# -- power-average pooling -----------------------------------------------------------------------------------------
def _lp_pool(nd: int, input, norm_type, kernel_size, stride, ceil_mode: bool):
    fn = f"lp_pool{nd}d"
    k = expand_arg(kernel_size, nd, "kernel_size", fn)
    pooled = _avg_pool(nd, input.pow(norm_type), kernel_size, stride, 0, ceil_mode, True, None)
    # sign * relu(abs) zeroes tiny negative averages of x**p before the root, as PyTorch does
    return (pooled.sign() * relu(pooled.abs())).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x**p) ** (1/p)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x**p) ** (1/p)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x**p) ** (1/p)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
