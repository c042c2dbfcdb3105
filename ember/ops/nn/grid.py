"""Sampling at arbitrary positions: ``affine_grid`` (the sampling grid of an affine map) and ``grid_sample``
(bilinear/trilinear or nearest sampling of a 4-D or 5-D input at a grid of normalized positions, with zeros,
border or reflection padding).

``grid_sample`` works on any number of spatial dims at once: a position's value is the sum, over the 2**k corners
of its cell, of the corner's value times the product of its per-dim weights. The backward scatters the output
gradient back to the corners (input gradient) and differentiates the weights (grid gradient); it is computed on
arrays, so it is not itself differentiable.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from ..._tensor import wrap
from ...autograd.function import Op
from ..._dtype import is_real_floating

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _align(align_corners) -> bool:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(size: int, align_corners: bool, dtype) -> np.ndarray:
    """The normalized coordinate of each of ``size`` pixel centres (or corners, with ``align_corners``)."""
    if size <= 1:
        return np.zeros(size, dtype=dtype)
    steps = np.linspace(-1.0, 1.0, size, dtype=dtype)
    return steps if align_corners else steps * dtype.type((size - 1) / size)


def affine_grid(theta, size, align_corners=None):
    """The (N, *spatial, k) grid of normalized positions an affine map ``theta`` (N, k, k + 1) sends the output
    pixels of ``size`` (N, C, *spatial) to, for ``grid_sample``."""
    align = _align(align_corners)
    given, size = size, list(size)
    if not is_real_floating(theta._data.dtype):
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    k = len(size) - 2
    if k not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (k, k + 1):
        raise ValueError(f"Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for size {given}. Got "
                         f"{theta.shape}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    dtype = theta._data.dtype
    spatial = size[2:]
    # base[..., j] is the coordinate along the j-th grid component: x follows the last dim, y the one before...
    axes = [_base_coordinates(n, align, dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([*reversed(mesh), np.ones(spatial, dtype=dtype)], axis=-1).reshape(1, -1, k + 1)
    grid = wrap(np.ascontiguousarray(np.broadcast_to(base, (size[0],) + base.shape[1:]))) @ theta.transpose(1, 2)
    return grid.reshape([size[0], *spatial, k])


def _unnormalize(coord: np.ndarray, size: int, align: bool) -> tuple[np.ndarray, float]:
    """Pixel coordinates of normalized ones, and d(pixel)/d(normalized)."""
    if align:
        return (coord + 1) * ((size - 1) / 2), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def _reflect(x: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """``x`` reflected into [low, high] (as often as needed), and d(result)/dx (+1 or -1)."""
    if high <= low:
        return np.zeros_like(x), np.zeros_like(x)
    span = high - low
    shifted = np.abs(x - low)
    sign = np.where(x < low, -1.0, 1.0)
    flips = np.floor(shifted / span)
    extra = shifted - flips * span
    odd = flips % 2 == 1
    return np.where(odd, high - extra, low + extra), np.where(odd, -sign, sign)


def _source(coord: np.ndarray, size: int, padding: str, align: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates to sample along one dim after padding, and their derivative w.r.t. the grid value."""
    x, scale = _unnormalize(coord, size, align)
    slope = np.full_like(x, scale)
    if padding == "border":
        inside = (x > 0) & (x < size - 1)
        x = np.clip(x, 0, size - 1)
        slope = slope * inside
    elif padding == "reflection":
        x, sign = _reflect(x, 0.0, size - 1.0) if align else _reflect(x, -0.5, size - 0.5)
        slope = slope * sign
        inside = (x > 0) & (x < size - 1)
        x = np.clip(x, 0, size - 1)
        slope = slope * inside
    return x, slope


class GridSampler2DBackward0(Op):
    """``grid_sample`` of (N, C, *spatial) at (N, *out, k) normalized positions."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding, align):
        k = x.ndim - 2
        spatial = x.shape[2:]
        # grid component j is the coordinate along spatial dim k - 1 - j
        coords, slopes = zip(*(_source(grid[..., k - 1 - d], spatial[d], padding, align) for d in range(k)))
        channels_last = np.moveaxis(x, 1, -1)  # (N, *spatial, C)
        batch = np.arange(x.shape[0]).reshape((-1,) + (1,) * (grid.ndim - 2))
        ctx.saved_arrays = (x, grid, coords, slopes, batch)
        ctx.meta = (mode, padding, align)
        if mode == "nearest":
            valid, clipped = _nearest(coords, spatial)
            out = channels_last[(batch, *clipped)] * valid[..., None]
        else:
            out = 0
            for corner, weight, valid, index in _corners(_fractions(coords), spatial):
                out = out + channels_last[(batch, *index)] * (weight * valid)[..., None]
        return np.ascontiguousarray(np.moveaxis(np.asarray(out, dtype=x.dtype), -1, 1))

    @staticmethod
    def backward(ctx, g):
        x, grid, coords, slopes, batch = ctx.saved_arrays
        mode = ctx.meta[0]
        need = ctx.needs_input_grad
        k = x.ndim - 2
        spatial = x.shape[2:]
        g_last = np.moveaxis(g._data, 1, -1)  # (N, *out, C)
        channels_last = np.moveaxis(x, 1, -1)
        grad_x = np.zeros(channels_last.shape, dtype=x.dtype) if need[0] else None
        grad_grid = np.zeros(grid.shape, dtype=grid.dtype)
        if mode == "nearest":
            if need[0]:
                valid, clipped = _nearest(coords, spatial)
                np.add.at(grad_x, (batch, *clipped), g_last * valid[..., None])
        else:
            cells = _fractions(coords)
            fractions = cells[1]
            for corner, weight, valid, index in _corners(cells, spatial):
                if need[0]:
                    np.add.at(grad_x, (batch, *index), g_last * (weight * valid)[..., None])
                if need[1]:
                    # d(weight)/d(coord d): the other dims' weights, signed by which side of the cell the corner is
                    upstream = (g_last * channels_last[(batch, *index)]).sum(-1) * valid
                    for d in range(k):
                        others = np.prod([fractions[j] if corner[j] else 1 - fractions[j]
                                          for j in range(k) if j != d], axis=0) if k > 1 else 1.0
                        grad_grid[..., k - 1 - d] += upstream * others * (1.0 if corner[d] else -1.0) * slopes[d]
        grads_x = wrap(np.ascontiguousarray(np.moveaxis(grad_x, -1, 1))) if need[0] else None
        return grads_x, (wrap(grad_grid) if need[1] else None), None, None, None


class GridSampler3DBackward0(GridSampler2DBackward0):
    """``grid_sample`` of a 5-D input."""


def _inside(index: list, spatial) -> tuple:
    """Whether each position lies inside the input, and the indices clipped into it."""
    valid = np.logical_and.reduce([(i >= 0) & (i < n) for i, n in zip(index, spatial)])
    return valid, [np.clip(i, 0, n - 1) for i, n in zip(index, spatial)]


def _nearest(coords, spatial) -> tuple:
    """The nearest pixel of each position (ties to even, as PyTorch's nearbyint): inside or not, clipped index."""
    return _inside([np.rint(c).astype(np.int64) for c in coords], spatial)


def _fractions(coords) -> tuple:
    """The cell each position falls in (its lower corner) and where in it (0 to 1), per dim."""
    floors = [np.floor(c) for c in coords]
    return floors, [c - f for c, f in zip(coords, floors)]


def _corners(cells: tuple, spatial):
    """For each corner of the cells the positions fall in: (which side per dim, the weight, whether the corner
    lies inside the input, its clipped index per dim)."""
    floors, fractions = cells
    for corner in itertools.product((0, 1), repeat=len(floors)):
        index = [f.astype(np.int64) + side for f, side in zip(floors, corner)]
        weight = np.prod([fr if side else 1 - fr for fr, side in zip(fractions, corner)], axis=0)
        yield (corner, weight, *_inside(index, spatial))


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None):
    """``input`` (N, C, H, W) or (N, C, D, H, W) sampled at ``grid`` (N, H_out, W_out, 2) or (N, D_out, H_out,
    W_out, 3), normalized to [-1, 1] over the input's extent."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align = _align(align_corners)
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not implemented in ember (bilinear and nearest "
                                  "are)")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    op = GridSampler2DBackward0 if input.ndim == 4 else GridSampler3DBackward0
    return op.apply(input, grid, mode, padding_mode, align)
