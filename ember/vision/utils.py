"""Image grids: ``make_grid`` tiles a batch into one image, ``save_image`` writes it (torchvision.utils)."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, wrap


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tile (B, C, H, W) images (or a list of (C, H, W)) into one (3 or C, H', W') image, ``nrow`` per row."""
    if isinstance(tensor, (list, tuple)):
        arr = np.stack([t.detach().numpy() for t in tensor])
    else:
        arr = tensor.detach().numpy()
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        arr = np.concatenate([arr] * 3) if arr.shape[0] == 1 else arr
        arr = arr[None]
    if arr.shape[1] == 1:
        arr = np.concatenate([arr] * 3, axis=1)
    arr = arr.copy()
    if normalize:
        axes = (1, 2, 3) if scale_each else None
        lo = np.asarray(value_range[0]) if value_range is not None else arr.min(axis=axes, keepdims=scale_each)
        hi = np.asarray(value_range[1]) if value_range is not None else arr.max(axis=axes, keepdims=scale_each)
        arr = (np.clip(arr, lo, hi) - lo) / np.maximum(hi - lo, 1e-5)
        arr = arr.astype(tensor.dtype.np if isinstance(tensor, Tensor) else arr.dtype)
    if arr.shape[0] == 1:
        return wrap(arr[0])
    n, c, h, w = arr.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    cell_h, cell_w = h + padding, w + padding
    cells = np.full((rows * cols, c, cell_h, cell_w), pad_value, dtype=arr.dtype)
    cells[:n, :, padding:, padding:] = arr
    grid = cells.reshape(rows, cols, c, cell_h, cell_w).transpose(2, 0, 3, 1, 4).reshape(c, rows * cell_h,
                                                                                          cols * cell_w)
    grid = np.pad(grid, ((0, 0), (0, padding), (0, padding)), constant_values=pad_value)
    return wrap(np.ascontiguousarray(grid))


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Save a tensor (or batch, tiled with make_grid's arguments) with values in [0, 1] as an image file."""
    from PIL import Image

    grid = make_grid(tensor, **kwargs).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    Image.fromarray(pixels if pixels.shape[2] != 1 else pixels[:, :, 0]).save(fp, format=format)
