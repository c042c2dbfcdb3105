"""Batch and instance normalization ops (instance norm is batch norm of the (1, N*C, *) view); the array work is in
``ember.ops.kernels.norm``, and ``layer_norm`` says how the normalization ops compute their gradients."""
from __future__ import annotations

import numpy as np

from ....autograd.function import Op
from ....autograd.grad_mode import STATE
from ...kernels import norm as _kernels
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

class NativeBatchNormBackward0(Op):
    """Per-channel normalisation of (N, C, *) with batch statistics (training) or the running ones (eval)."""

    _inputs = (0, 1, 2)  # PyTorch lists a missing weight or bias as (None, 0)

    @staticmethod
    def forward(ctx, x, weight, bias, *, running_mean, running_var, training, momentum, eps, keep):
        y, mean, invstd, shift, centered = _kernels.batch_norm_forward(x, weight, bias, running_mean, running_var,
                                                                       training, momentum, eps, keep)
        if keep:
            ctx.save_for_backward(x, weight, centered)
            ctx.stats = (mean, shift, invstd, training, eps)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, centered = ctx.saved_tensors
        mean, shift, invstd, training, eps = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if STATE.enabled:
            return _batch_norm_backward_graph(g, x, weight, mean, invstd, training, eps, ctx.needs_input_grad)
        dx, dw, db = _kernels.batch_norm_backward(g._data, x._data, _data(weight), mean, invstd, shift,
                                                  _data(centered), training, need_x)
        return (wrap(dx) if need_x else None, wrap(dw) if need_w else None, wrap(db) if need_b else None)


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
    out = NativeBatchNormBackward0.apply(input, weight, bias, running_mean=_data(running_mean),
                                         running_var=_data(running_var), training=training, momentum=momentum,
                                         eps=eps, keep=keep)
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
