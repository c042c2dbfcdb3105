"""The NumPy normalisation kernels: batch norm (statistics per channel over the batch and positions), layer norm
(per row) and group norm (per sample and group of channels), forward and backward.

Everything here computes on NumPy arrays in the input dtype. Big inputs are split over blocks of samples (rows),
contiguous in memory, on worker threads (``threads._over_blocks``); a block that reduces leaves its partial sums in
its own row of a partial-sum array, added up in block order afterwards, so every run gives the same bits.
``norm`` picks these kernels or the compiled ones (``norm_native``) for each call.
"""
from __future__ import annotations

import math

import numpy as np

from .threads import _over_blocks, get_num_threads

# elements from which a kernel is split over worker threads: below it the threads' hand-offs cost more than the
# shorter passes over memory save
_PARALLEL_MIN_SIZE = 1 << 19


def _block_count(items: int, size: int) -> int:
    """How many blocks to split ``items`` (samples or rows, contiguous in memory) into: one per thread if big."""
    if size < _PARALLEL_MIN_SIZE:
        return 1
    return max(1, min(get_num_threads(), items))


# -- batch norm -------------------------------------------------------------------------------------------------

def batch_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                       running_mean: np.ndarray | None, running_var: np.ndarray | None, training: bool, eps: float,
                       keep: bool) -> tuple:
    """(y, mean, biased var, shift, invstd, centered) of batch norm of the (N, C, *) ``x``; y is (N, C, L).

    ``centered`` is x minus a rough mean (``shift`` off the exact one), what the backward needs instead of xhat;
    y is written over it unless ``keep``.
    """
    n, c = x.shape[0], x.shape[1]
    x3 = x.reshape(n, c, math.prod(x.shape[2:]))  # -1 cannot be inferred for an empty batch
    dt = x.dtype.type
    count = n * x3.shape[2]
    centered = np.empty_like(x3)
    y = np.empty_like(x3) if keep else centered
    blocks = _block_count(n, x3.size)
    partial = np.empty((blocks, 2, c), dtype=x.dtype)  # sum(x - rough mean), its sum of squares
    center = (np.einsum("ncl->c", x3) / dt(count)) if training else running_mean.astype(x.dtype, copy=False)

    def centre(i, sl):
        xc = centered[sl]
        np.subtract(x3[sl], center[:, None], out=xc)
        if training:
            np.einsum("ncl->c", xc, out=partial[i, 0])
            np.einsum("ncl,ncl->c", xc, xc, out=partial[i, 1])

    _over_blocks(centre, n, blocks)
    if training:
        # a float32 mean can be a few ulps off: the mean of the centred values (small, accurate) corrects it,
        # folded into the per-channel constants below instead of another pass over the data
        sums = partial.sum(0) / dt(count)
        shift = sums[0]
        mean = center + shift
        var = sums[1] - shift * shift
    else:
        shift = np.zeros(c, dtype=x.dtype)
        mean = center
        var = running_var.astype(x.dtype, copy=False)
    invstd = 1 / np.sqrt(var + dt(eps))
    scale = invstd if weight is None else invstd * weight
    offset = -shift * scale
    if bias is not None:
        offset += bias

    def affine(_, sl):
        out = y[sl]
        np.multiply(centered[sl], scale[:, None], out=out)
        out += offset[:, None]

    _over_blocks(affine, n, blocks)
    return y, mean, var, shift, invstd, centered


def batch_norm_backward(g: np.ndarray, centered: np.ndarray, weight: np.ndarray | None, shift: np.ndarray,
                        invstd: np.ndarray, training: bool, need_input_grad: bool) -> tuple:
    """(input gradient (N, C, L) or None, weight gradient, bias gradient) of ``batch_norm_forward`` given the output
    gradient ``g``, from its ``centered`` and ``shift``."""
    n, c = centered.shape[0], centered.shape[1]
    g3 = g.reshape(centered.shape)
    count = g3.dtype.type(n * g3.shape[2])
    blocks = _block_count(n, g3.size)
    partial = np.empty((blocks, 2, c), dtype=g3.dtype)  # sum(g), sum(g * centered)

    def reduce(i, sl):
        gs = g3[sl]
        np.einsum("ncl->c", gs, out=partial[i, 0])
        np.einsum("ncl,ncl->c", gs, centered[sl], out=partial[i, 1])

    _over_blocks(reduce, n, blocks)
    sum_g, sum_gxc = partial.sum(0)
    sum_gxhat = (sum_gxc - shift * sum_g) * invstd
    dx = None
    if need_input_grad:
        dx = np.empty_like(g3)
        scale = invstd if weight is None else invstd * weight
        # dx = scale * (g - mean(g) - xhat * mean(g * xhat)), xhat = (centered - shift) * invstd
        k = sum_gxhat * invstd / count
        const = sum_g / count - shift * k

        def input_grad(_, sl):
            out = dx[sl]
            if training:
                np.multiply(centered[sl], k[:, None], out=out)
                out += const[:, None]
                np.subtract(g3[sl], out, out=out)
                out *= scale[:, None]
            else:
                np.multiply(g3[sl], scale[:, None], out=out)

        _over_blocks(input_grad, n, blocks)
    return dx, sum_gxhat, sum_g


def update_running_stats(running_mean: np.ndarray | None, running_var: np.ndarray | None, mean: np.ndarray,
                         var: np.ndarray, count: int, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch`` in place, the variance unbiased over ``count``."""
    for buf, value, factor in ((running_mean, mean, 1.0), (running_var, var, count / max(count - 1, 1))):
        if buf is not None:
            m = buf.dtype.type(momentum)
            buf *= 1 - m
            buf += (m * factor) * value.astype(buf.dtype, copy=False)


# -- layer and group norm ---------------------------------------------------------------------------------------

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


def layer_norm_forward(x2: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float) -> tuple:
    """(y, xhat, invstd) of the rows of the (R, D) ``x2`` normalised, times ``weight`` (D,) plus ``bias`` (D,)."""
    rows = x2.shape[0]
    xhat = np.empty_like(x2)
    invstd = np.empty(rows, dtype=x2.dtype)
    y = np.empty_like(x2)

    def block(_, sl):
        xh = xhat[sl]
        _row_normalize_into(x2[sl], xh, invstd[sl], eps)
        out = y[sl]
        if weight is not None:
            np.multiply(xh, weight, out=out)
        else:
            out[...] = xh
        if bias is not None:
            out += bias

    _over_blocks(block, rows, _block_count(rows, x2.size))
    return y, xhat, invstd


def layer_norm_backward(g2: np.ndarray, xhat: np.ndarray, weight: np.ndarray | None, invstd: np.ndarray,
                        need_input_grad: bool, need_weight_grad: bool, need_bias_grad: bool) -> tuple:
    """(input gradient (R, D), weight gradient (D,), bias gradient (D,)), each None unless needed, of
    ``layer_norm_forward`` given the output gradient ``g2``, from its ``xhat`` and ``invstd``."""
    rows, d = g2.shape
    dx = np.empty_like(g2) if need_input_grad else None
    blocks = _block_count(rows, g2.size)
    partial = np.empty((blocks, 2, d), dtype=g2.dtype)  # per block: sum(g * xhat), sum(g) over rows

    def block(i, sl):
        gs, xh = g2[sl], xhat[sl]
        if need_weight_grad:
            np.einsum("rk,rk->k", gs, xh, out=partial[i, 0])
        if need_bias_grad:
            np.einsum("rk->k", gs, out=partial[i, 1])
        if need_input_grad:
            out = dx[sl]
            if weight is not None:
                np.multiply(gs, weight, out=out)
            _row_input_grad_into(out if weight is not None else gs, xh, invstd[sl], out)

    _over_blocks(block, rows, blocks)
    sums = partial.sum(0)
    return dx, sums[0] if need_weight_grad else None, sums[1] if need_bias_grad else None


def group_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, groups: int,
                       eps: float) -> tuple:
    """(y (N, G, D), xhat (N * G, D), invstd (N * G,)) of group norm of the (N, C, *) ``x``: each sample's groups
    of C / G channels normalised, times ``weight`` (C,) plus ``bias`` (C,) per channel."""
    n, c = x.shape[0], x.shape[1]
    x3 = x.reshape(n, groups, -1)
    xhat = np.empty_like(x3)
    invstd = np.empty((n, groups), dtype=x.dtype)
    y = np.empty_like(x3)

    def block(_, sl):
        xh = xhat[sl]
        _row_normalize_into(x3[sl].reshape(-1, x3.shape[2]), xh.reshape(-1, x3.shape[2]), invstd[sl].reshape(-1),
                            eps)
        xh, out = xh.reshape(xh.shape[0], c, -1), y[sl].reshape(xh.shape[0], c, -1)
        if weight is not None:
            np.multiply(xh, weight[:, None], out=out)
        else:
            out[...] = xh
        if bias is not None:
            out += bias[:, None]

    _over_blocks(block, n, _block_count(n, x3.size))
    return y, xhat.reshape(n * groups, -1), invstd.reshape(-1)


def group_norm_backward(g: np.ndarray, xhat: np.ndarray, weight: np.ndarray | None, invstd: np.ndarray,
                        groups: int, need_input_grad: bool, need_weight_grad: bool, need_bias_grad: bool) -> tuple:
    """(input gradient (N, C, L), weight gradient (C,), bias gradient (C,)), each None unless needed, of
    ``group_norm_forward`` given the (N, C, *) output gradient ``g``, from its ``xhat`` and ``invstd``."""
    n, c = g.shape[0], g.shape[1]
    g3 = g.reshape(n, c, -1)
    xh3 = xhat.reshape(n, c, -1)
    inv2 = invstd.reshape(n, groups)
    w = None if weight is None else weight[:, None]
    dx = np.empty_like(g3) if need_input_grad else None
    blocks = _block_count(n, g3.size)
    partial = np.empty((blocks, 2, c), dtype=g3.dtype)  # per block: sum(g * xhat), sum(g) per channel

    def block(i, sl):
        gs, xh = g3[sl], xh3[sl]
        if need_weight_grad:
            np.einsum("ncl,ncl->c", gs, xh, out=partial[i, 0])
        if need_bias_grad:
            np.einsum("ncl->c", gs, out=partial[i, 1])
        if need_input_grad:
            out = dx[sl]
            if w is not None:
                np.multiply(gs, w, out=out)
            rows = (gs.shape[0] * groups, -1)
            _row_input_grad_into((out if w is not None else gs).reshape(rows), xh.reshape(rows),
                                 inv2[sl].reshape(-1), out.reshape(rows))

    _over_blocks(block, n, blocks)
    sums = partial.sum(0)
    return dx, sums[0] if need_weight_grad else None, sums[1] if need_bias_grad else None
