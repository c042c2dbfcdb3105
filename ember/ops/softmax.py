"""Softmax and log-softmax along a dim (their backward reuses the saved output)."""
from __future__ import annotations

import builtins

import numpy as np

from .._dtype import _type_name, is_real_floating
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import normalize_dim


class SoftmaxBackward0(Op):
    @staticmethod
    def forward(ctx, x, dim):
        axis = dim if x.ndim else None
        with np.errstate(invalid="ignore"):  # a row of -inf gives NaN silently, as in PyTorch
            e = np.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if not STATE.enabled:  # no graph of the gradient: the same formula on arrays
            gd, yd = g._data, y._data
            axis = ctx.dim if yd.ndim else None
            return wrap(yd * (gd - (gd * yd).sum(axis=axis, keepdims=True))), None
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmaxBackward0(Op):
    """``x - max - log(sum(exp(x - max)))``; ndarray methods rather than NumPy's Python-level reduction wrappers,
    since per-call overhead dominates at the small batches of a training step."""

    @staticmethod
    def forward(ctx, x, dim):
        axis = dim if x.ndim else None
        with np.errstate(invalid="ignore"):  # a row of -inf gives NaN silently, as in PyTorch
            shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if not STATE.enabled:  # no graph of the gradient: the same formula on arrays
            gd = g._data
            axis = ctx.dim if gd.ndim else None
            return wrap(gd - np.exp(y._data) * gd.sum(axis=axis, keepdims=True)), None
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def _softmax_input(name: str, input, dim, dtype):
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    dim = normalize_dim(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif not is_real_floating(input._data.dtype):
        kernel = "lastdim_kernel_impl" if dim == builtins.max(input.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for \'{_type_name(input._data.dtype)}\'')
    return input, dim


def softmax(input, dim=None, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    input, dim = _softmax_input("softmax", input, dim, dtype)
    return SoftmaxBackward0.apply(input, dim)


def log_softmax(input, dim=None, dtype=None):
    """``x - logsumexp(x)`` along ``dim``."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmaxBackward0.apply(input, dim)
