"""Fractional max pooling (Graham, 2014): windows of a fixed size at pseudo-random, increasing start positions
that cover the input in exactly ``output_size`` steps. One uniform sample per (batch, channel, spatial dim)
places the starts; PyTorch draws the samples with ``rand`` unless ``_random_samples`` gives them."""
from __future__ import annotations

import numpy as np

from ...._creation import rand
from ...._tensor import wrap
from ....autograd.function import Op

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _starts(samples: np.ndarray, in_size: int, out_size: int, pool: int) -> np.ndarray:
    """Window starts along one dim for each sample (any shape): ``int((i + u) * alpha) - int(u * alpha)``, the last
    window flush with the end; computed in the samples' dtype, as PyTorch's kernel does."""
    dt = samples.dtype.type
    starts = np.empty(samples.shape + (out_size,), dtype=np.int64)
    if out_size > 1:
        alpha = dt(in_size - pool) / dt(out_size - 1)
        i = np.arange(out_size - 1, dtype=samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    starts[..., -1] = in_size - pool
    return starts


class _FractionalMaxPool(Op):
    """The pooled maxima and their flat indices within each plane; backward scatters into those positions."""

    @staticmethod
    def forward(ctx, x, samples, kernel, out_size):
        k = len(kernel)
        spatial = x.shape[2:]
        # which sample places which dim's windows, as PyTorch's kernels read them: (W, H) in 2-D, (T, H, W) in 3-D
        which = [1, 0] if k == 2 else [0, 1, 2]
        starts = [_starts(samples[..., which[d]], spatial[d], out_size[d], kernel[d]) for d in range(k)]
        n, c = x.shape[:2]
        # index arrays of shape (N, C, *out, *kernel) along each spatial dim
        grids = []
        for d in range(k):
            shape = [n, c] + [1] * (2 * k)
            shape[2 + d] = out_size[d]
            offset_shape = [1, 1] + [1] * (2 * k)
            offset_shape[2 + k + d] = kernel[d]
            grids.append(starts[d].reshape(shape) + np.arange(kernel[d]).reshape(offset_shape))
        batch = np.arange(n).reshape([n] + [1] * (2 * k + 1))
        chan = np.arange(c).reshape([1, c] + [1] * (2 * k))
        windows = x[(batch, chan, *grids)]
        flat_windows = windows.reshape(windows.shape[:2 + k] + (-1,))
        best = np.argmax(flat_windows, axis=-1)
        nan = np.isnan(flat_windows)
        if nan.any():  # a NaN wins, as in PyTorch's kernel
            best = np.where(nan.any(-1), np.argmax(nan, axis=-1), best)
        values = np.take_along_axis(flat_windows, best[..., None], -1)[..., 0]
        within = np.unravel_index(best, kernel)
        position = np.zeros(best.shape, dtype=np.int64)
        for d in range(k):
            start = np.broadcast_to(starts[d].reshape([n, c] + [out_size[d] if j == d else 1 for j in range(k)]),
                                    best.shape)
            position = position * spatial[d] + start + within[d]
        ctx.meta = (x.shape, position)
        return values, position

    @staticmethod
    def backward(ctx, g, _):
        shape, position = ctx.meta
        n, c = shape[:2]
        grad = np.zeros((n, c, int(np.prod(shape[2:]))), dtype=g._data.dtype)
        rows = np.arange(n * c).reshape(n, c, *([1] * (position.ndim - 2)))
        np.add.at(grad.reshape(n * c, -1), (np.broadcast_to(rows, position.shape), position), g._data)
        return wrap(grad.reshape(shape)), None, None, None


class FractionalMaxPool2DBackward0(_FractionalMaxPool):
    """``fractional_max_pool2d``."""


class FractionalMaxPool3DBackward0(_FractionalMaxPool):
    """``fractional_max_pool3d``."""


def _fractional(k: int, input, kernel_size, output_size, output_ratio, return_indices: bool, _random_samples):
    name = f"fractional_max_pool{k}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    kernel = (kernel_size,) * k if isinstance(kernel_size, int) else tuple(kernel_size)
    if output_size is None:
        ratio = (output_ratio,) * k if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
        output_size = [int(input.shape[-k + d] * ratio[d]) for d in range(k)]
    out = (output_size,) * k if isinstance(output_size, int) else tuple(output_size)
    unbatched = input.ndim == k + 1
    x = input.unsqueeze(0) if unbatched else input
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(f"{name}(): Expected {k + 1}D or {k + 2}D tensor, but got: {list(input.shape)}")
    for d in range(k):
        if out[d] + kernel[d] - 1 > x.shape[2 + d]:
            raise RuntimeError(f"{name}_out(): pool size {kernel[d]} too large relative to input size "
                               f"{x.shape[2 + d]} and output size {out[d]}")
    samples = _random_samples if _random_samples is not None else rand(x.shape[0], x.shape[1], k, dtype=x.dtype)
    op = FractionalMaxPool2DBackward0 if k == 2 else FractionalMaxPool3DBackward0
    values, indices = op.apply(x, samples._data, kernel, out)
    if unbatched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                          _random_samples=None):
    """2-D fractional max pooling of (N, C, H, W) or (C, H, W)."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                          _random_samples=None):
    """3-D fractional max pooling of (N, C, D, H, W) or (C, D, H, W)."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """``fractional_max_pool2d`` returning (values, indices)."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """``fractional_max_pool3d`` returning (values, indices)."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, True, _random_samples)
