"""``SyncBatchNorm``'s autograd Function: batch statistics and their gradients reduced over a process group.

Forward gathers each rank's (count, mean, biased variance) per channel in one ``all_gather`` and combines them
(the parallel-variance formula, so large means lose no precision); backward all-reduces the two per-channel sums
the input gradient needs. The weight and bias gradients stay local: DistributedDataParallel averages them.
"""
from __future__ import annotations

import numpy as np

from ... import distributed as dist
from ..._tensor import wrap
from ...autograd.function import Function


def _channel_axes(x: np.ndarray) -> tuple:
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


class SyncBatchNorm(Function):
    """The node is ``SyncBatchNormBackward``, as in PyTorch."""

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, eps: float, momentum: float, process_group,
                world_size: int):
        x = input._data
        axes = _channel_axes(x)
        count = x.size // x.shape[1]
        local = np.concatenate([[count], x.mean(axis=axes), x.var(axis=axes)]).astype(x.dtype)
        gathered = np.empty((world_size, local.size), x.dtype)
        dist.all_gather_into_tensor(wrap(gathered), wrap(local), group=process_group)
        c = x.shape[1]
        counts, means, variances = gathered[:, :1], gathered[:, 1:c + 1], gathered[:, c + 1:]
        total = counts.sum()
        mean = (counts * means).sum(0) / total
        var = (counts * (variances + (means - mean) ** 2)).sum(0) / total
        invstd = 1 / np.sqrt(var + eps)
        xhat = (x - _per_channel(mean, x.ndim)) * _per_channel(invstd, x.ndim)
        out = xhat
        if weight is not None:
            out = out * _per_channel(weight._data, x.ndim)
        if bias is not None:
            out = out + _per_channel(bias._data, x.ndim)
        if running_mean is not None:
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
            running_mean._version_counter[0] += 1
        if running_var is not None:
            running_var._data[...] = (1 - momentum) * running_var._data + momentum * var * total / (total - 1)
            running_var._version_counter[0] += 1
        ctx.xhat, ctx.invstd, ctx.total, ctx.group = xhat, invstd, total, process_group
        ctx.save_for_backward(weight)
        return wrap(out.astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad_output):
        (weight,) = ctx.saved_tensors
        g, xhat = grad_output._data, ctx.xhat
        axes = _channel_axes(g)
        sum_dy = g.sum(axis=axes)
        sum_dy_xhat = (g * xhat).sum(axis=axes)
        grad_weight = wrap(sum_dy_xhat) if weight is not None and ctx.needs_input_grad[1] else None
        grad_bias = wrap(sum_dy) if ctx.needs_input_grad[2] else None
        grad_input = None
        if ctx.needs_input_grad[0]:
            sums = np.concatenate([sum_dy, sum_dy_xhat])
            dist.all_reduce(wrap(sums), group=ctx.group)
            c = g.shape[1]
            mean_dy, mean_dy_xhat = sums[:c] / ctx.total, sums[c:] / ctx.total
            scale = ctx.invstd if weight is None else ctx.invstd * weight._data
            grad_input = wrap(((g - _per_channel(mean_dy, g.ndim) - xhat * _per_channel(mean_dy_xhat, g.ndim))
                               * _per_channel(scale, g.ndim)).astype(g.dtype, copy=False))
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None
