"""Array kernels shared by the normalization ops: how many threads to split over, and row normalisation.

Everything here computes on NumPy arrays in the input dtype; ``nn_norm`` wraps it into ops.
"""
from __future__ import annotations

import numpy as np

from .threads import get_num_threads

# elements from which an op is split over worker threads: below it (measured on 2 cores) the threads' hand-offs
# cost more than the halved passes over memory save
_PARALLEL_MIN_SIZE = 1 << 19


def _block_count(items: int, size: int) -> int:
    """How many blocks to split ``items`` (samples or rows, contiguous in memory) into: one per thread if big."""
    if size < _PARALLEL_MIN_SIZE:
        return 1
    return max(1, min(get_num_threads(), items, 4))


def _row_normalize_into(x2: np.ndarray, xhat: np.ndarray, invstd: np.ndarray, eps: float) -> None:
    """Write the rows of the (R, D) array ``x2`` normalised (biased variance) into ``xhat``, 1/std into ``invstd``."""
    dt = x2.dtype.type
    # the mean is summed in float64: a float32 sum can be several ulps off, which a large offset (mean 100,
    # std 0.1) turns into a visible error of every output; rounded once it is at most half an ulp off
    mean = (np.einsum("rd->r", x2, dtype=np.float64) / x2.shape[1]).astype(x2.dtype)
    np.subtract(x2, mean[:, None], out=xhat)
    var = np.einsum("rd,rd->r", xhat, xhat) / dt(x2.shape[1])
    inv = invstd[...] = 1 / np.sqrt(var + dt(eps))
    xhat *= inv[:, None]


def _row_input_grad_into(gw2: np.ndarray, xhat2: np.ndarray, invstd: np.ndarray, out: np.ndarray) -> None:
    """Closed-form input gradient of row normalisation into ``out``, given dL/dxhat (``gw2``, may be ``out``)."""
    d = gw2.dtype.type(gw2.shape[1])
    mean_g = np.einsum("rd->r", gw2) / d
    mean_gx = np.einsum("rd,rd->r", gw2, xhat2) / d
    tmp = xhat2 * mean_gx[:, None]
    tmp += mean_g[:, None]
    np.subtract(gw2, tmp, out=out)
    out *= invstd[:, None]
