"""Pieces shared by the two column layouts of ``conv_im2col`` and ``conv_nhwc``: reused work arrays, output
size, padding slices."""
from __future__ import annotations

import threading

import numpy as np

# Work arrays (padded buffers, columns, GEMM outputs) are kept per thread and reused by the next call of the same
# shape: allocating them afresh costs a page fault per 4 KiB once the allocator has given the memory back, as
# much as the copy into them. Arrays above the first limit are not kept; the oldest go beyond the second.
_SCRATCH_MAX_BYTES = 32 << 20
_SCRATCH_TOTAL_BYTES = 96 << 20
_scratch_local = threading.local()


def _scratch(tag: str, shape: tuple, dtype, zeroed: bool = False, written=None) -> np.ndarray:
    """A work array of ``shape`` for the purpose ``tag``, reused across calls.

    A zeroed one is zero when made, and stays zero wherever its users never write (padding, widened columns):
    ``written`` (hashable) names the part they do write, so that a same-shaped array written elsewhere is another.
    """
    arrays = getattr(_scratch_local, "arrays", None)
    if arrays is None:
        arrays = _scratch_local.arrays = {}
    key = (tag, shape, np.dtype(dtype), written)
    a = arrays.pop(key, None)
    if a is None:
        a = np.zeros(shape, dtype) if zeroed else np.empty(shape, dtype)
        if a.nbytes > _SCRATCH_MAX_BYTES:
            return a
        total = a.nbytes + sum(v.nbytes for v in arrays.values())
        while arrays and total > _SCRATCH_TOTAL_BYTES:
            total -= arrays.pop(next(iter(arrays))).nbytes
    arrays[key] = a  # most recently used last
    return a


def out_size(size: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> tuple:
    """Output spatial size of a convolution (<= 0 when the kernel does not fit)."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(size, kernel, stride, pads, dilation))


def _copy_slices(size: tuple, pads: tuple) -> tuple:
    """Spatial slices copying an input of ``size`` into its padded buffer: (source, destination)."""
    src = tuple(slice(max(0, -lo), s - max(0, -hi)) for s, (lo, hi) in zip(size, pads))
    dst = tuple(slice(max(0, lo), max(0, lo) + sl.stop - sl.start) for sl, (lo, _) in zip(src, pads))
    return src, dst


def _bounds(slices: tuple) -> tuple:
    """A hashable form of spatial slices (the part of a padded buffer that gets written)."""
    return tuple((sl.start, sl.stop) for sl in slices)


def _contiguous_strides(shape: tuple, itemsize: int) -> tuple:
    strides, step = [], itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))
