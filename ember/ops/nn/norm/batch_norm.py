"""Batch and instance normalization ops (instance norm is batch norm of the (1, N*C, *) view); see ``nn_norm`` for
how the normalization ops compute."""
from __future__ import annotations

import math

import numpy as np

from ....autograd.function import Op
from ....autograd.grad_mode import STATE
from ...kernels import norm_native as _native_norm
from ...kernels.norm_numpy import _block_count
from ...kernels.threads import _over_blocks
from ..._util import normalize_dim
from ...._tensor import wrap
from .layer_norm import _data, _norm_backward_graph, _verify_batch_size

__all__ = ["batch_norm", "instance_norm"]


def _needs_grad(*tensors) -> bool:
    return STATE.enabled and any(t is not None and t.requires_grad for t in tensors)


def _bump(t) -> None:
    """Record an in-place update of a buffer's array (running statistics) in its version counter."""
    t._version_counter[0] += 1


# -- batch norm -------------------------------------------------------------------------------------------------

class _BatchNorm(Op):
    """Per-channel normalisation of (N, C, *) with batch statistics (training) or the running ones (eval)."""

    _name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, running_mean, running_var, training, momentum, eps, keep):
        if _native_norm.takes(x):
            y, mean, var, invstd = _native_norm.forward(x, weight, bias, running_mean, running_var, training, eps)
            shift = centered = None  # backward reads x itself
        else:
            y, mean, var, shift, invstd, centered = _batch_norm_arrays(x, weight, bias, running_mean, running_var,
                                                                       training, eps, keep)
        if training:
            count = x.size // x.shape[1]
            for buf, value, factor in ((running_mean, mean, 1.0), (running_var, var, count / max(count - 1, 1))):
                if buf is not None:
                    m = buf.dtype.type(momentum)
                    buf *= 1 - m
                    buf += (m * factor) * value.astype(buf.dtype, copy=False)
        if keep:
            ctx.save_for_backward(x, weight, centered)
            ctx.stats = (mean, shift, invstd, training, eps)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, centered = ctx.saved_tensors
        mean, shift, invstd, training, eps = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if STATE.enabled:
            return _batch_norm_backward_graph(g, x, weight, mean, invstd, training, eps, ctx.needs_input_grad)
        if centered is None:
            dx, dw, db = _native_norm.backward(g._data, x._data, _data(weight), mean, invstd, training, need_x)
        else:
            dx, dw, db = _batch_norm_grad_arrays(g._data, centered._data, _data(weight), shift, invstd, training,
                                                 need_x)
        return (wrap(dx.reshape(x.shape)) if need_x else None, wrap(dw) if need_w else None,
                wrap(db) if need_b else None)


def _batch_norm_arrays(x, weight, bias, running_mean, running_var, training, eps, keep):
    """The NumPy batch norm forward: (y, mean, biased var, shift, invstd, centered). ``centered`` is x minus a
    rough mean (``shift`` off the exact one), what the backward needs instead of xhat; y is written over it
    unless ``keep``."""
    n, c = x.shape[0], x.shape[1]
    x3 = x.reshape(n, c, math.prod(x.shape[2:]))  # -1 cannot be inferred for an empty batch
    dt = x.dtype.type
    count = n * x3.shape[2]
    centered = np.empty_like(x3)
    y = np.empty_like(x3) if keep else centered
    # blocks of samples (contiguous) go to worker threads; each block leaves its partial sums in its own row
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


def _batch_norm_grad_arrays(g, xc_all, weight, shift, invstd, training, need_x):
    """The NumPy batch norm backward from ``_batch_norm_arrays``'s ``centered`` and ``shift``: (dx or None, dweight,
    dbias)."""
    n, c = xc_all.shape[0], xc_all.shape[1]
    g3 = g.reshape(xc_all.shape)
    count = g3.dtype.type(n * g3.shape[2])
    blocks = _block_count(n, g3.size)
    partial = np.empty((blocks, 2, c), dtype=g3.dtype)  # sum(g), sum(g * centered)

    def reduce(i, sl):
        gs = g3[sl]
        np.einsum("ncl->c", gs, out=partial[i, 0])
        np.einsum("ncl,ncl->c", gs, xc_all[sl], out=partial[i, 1])

    _over_blocks(reduce, n, blocks)
    sum_g, sum_gxc = partial.sum(0)
    sum_gxhat = (sum_gxc - shift * sum_g) * invstd
    dx = None
    if need_x:
        dx = np.empty_like(g3)
        scale = invstd if weight is None else invstd * weight
        # dx = scale * (g - mean(g) - xhat * mean(g * xhat)), xhat = (centered - shift) * invstd
        k = sum_gxhat * invstd / count
        const = sum_g / count - shift * k

        def input_grad(_, sl):
            out = dx[sl]
            if training:
                np.multiply(xc_all[sl], k[:, None], out=out)
                out += const[:, None]
                np.subtract(g3[sl], out, out=out)
                out *= scale[:, None]
            else:
                np.multiply(g3[sl], scale[:, None], out=out)

        _over_blocks(input_grad, n, blocks)
    return dx, sum_gxhat, sum_g


def _batch_norm_backward_graph(g, x, weight, mean, invstd, training, eps, needs):
    n, c = x.shape[0], x.shape[1]
    view = (n, c, -1)
    dims = (0, 2)
    x3 = x.reshape(view)
    if training:
        mu = x3.mean(dims, keepdim=True)
        xc = x3 - mu
        inv = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    else:
        xc = x3 - wrap(mean.reshape(1, c, 1))
        inv = wrap(invstd.reshape(1, c, 1))
    xhat = xc * inv
    w_b = weight.reshape((1, c) + (1,) * (x.ndim - 2)) if weight is not None else None
    dx = _norm_backward_graph(g, xhat, inv, w_b, view, dims, training) if needs[0] else None
    g3 = g.reshape(view)
    dw = (g3 * xhat).sum(dims) if needs[1] else None
    db = g3.sum(dims) if needs[2] else None
    return dx, dw, db


def _check_channel_vector(t, name: str, c: int) -> None:
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Batch normalisation over (N, C, *): per channel, statistics over N and every spatial position.

    In training the batch statistics normalise (biased variance) and the running buffers, when given, are
    updated in place: ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance).
    """
    c = input.shape[normalize_dim(1, input.ndim)]
    if training:
        _verify_batch_size(input.shape)
    elif running_mean is None or running_var is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_channel_vector(t, name, c)
    keep = _needs_grad(input, weight, bias)
    out = _BatchNorm.apply(input, weight, bias, running_mean=_data(running_mean), running_var=_data(running_var),
                           training=training, momentum=momentum, eps=eps, keep=keep)
    if training:
        for t in (running_mean, running_var):
            if t is not None:
                _bump(t)
    return out


# -- instance norm ----------------------------------------------------------------------------------------------

def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5):
    """Per-sample, per-channel normalisation of (N, C, *): batch norm of the (1, N*C, *) view.

    Running statistics, when given, are updated with the mean over the batch of the per-instance statistics.
    """
    if use_input_stats:
        count = 1
        for s in input.shape[2:]:
            count *= s
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    n, c = input.shape[0], input.shape[1]
    folded = input.reshape((1, n * c) + tuple(input.shape[2:]))
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        if t is not None and t.numel() != c:  # PyTorch counts the batch-repeated vector
            raise RuntimeError(f"{name} should contain {n * c} elements not {t.numel() * n}")
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = _repeat_buffer(running_mean, n)
    rv = _repeat_buffer(running_var, n)
    out = batch_norm(folded, rm, rv, w, b, use_input_stats, momentum, eps)
    for buf, rep in ((running_mean, rm), (running_var, rv)):
        if buf is not None and use_input_stats:
            buf._data[...] = rep._data.reshape(n, c).mean(0)
            _bump(buf)
    return out.view(input.shape)


def _repeat_buffer(t, n: int):
    return None if t is None else wrap(np.tile(t._data, n))
