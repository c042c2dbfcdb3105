"""Turning what the ``add_*`` methods accept (ember Tensors, NumPy arrays, Python numbers, matplotlib figures) into
the NumPy arrays the summaries are built from, and image batches into one HWC picture."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor


def make_np(x) -> np.ndarray:
    """A NumPy array holding ``x``: an ember Tensor (detached), a NumPy array, or a scalar (as a 1-element array)."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        return x.detach().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or ember tensor are expected.")


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile an N x C x H x W batch (C = 1 or 3) into one 3 x (H*rows) x (W*cols) picture, row by row, black fill."""
    if images.ndim == 4 and images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, c, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    padded = np.zeros((nrows * ncols, c, h, w), dtype=images.dtype)
    padded[:n] = images
    return padded.reshape(nrows, ncols, c, h, w).transpose(2, 0, 3, 1, 4).reshape(c, nrows * h, ncols * w)


def convert_to_HWC(array: np.ndarray, dataformats: str) -> np.ndarray:  # noqa: N802 (PyTorch's name)
    """Rearrange ``array`` laid out as ``dataformats`` (e.g. NCHW, CHW, HWC, HW) into H x W x C; a batch (N) is
    tiled into a grid, and one channel (or none) becomes three grey ones."""
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(f"size of input tensor and input format are different. tensor shape: {array.shape}, "
                             f"input_format: {dataformats}")
    dataformats = dataformats.upper()
    if len(dataformats) == 4:
        nchw = array.transpose([dataformats.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = array.transpose([dataformats.find(c) for c in "HW"])
    return np.stack([hw] * 3, axis=2)


def figure_to_image(figures, close: bool = True) -> np.ndarray:
    """Render a matplotlib figure to a 3 x H x W uint8 array (a list of figures to N x 3 x H x W)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(figure) -> np.ndarray:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        if close:
            plt.close(figure)
        return np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))

    if isinstance(figures, list):
        return np.stack([render(figure) for figure in figures])
    return render(figures)


__all__ = ["convert_to_HWC", "figure_to_image", "make_grid", "make_np"]
