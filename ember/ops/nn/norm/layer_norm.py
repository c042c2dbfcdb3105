"""Normalization ops: layer, group, RMS and local response normalization, and what every normalization op shares
(batch and instance norm are in ``nn_batch_norm``).

Batch, layer and group norm are each one ``Op`` whose forward computes the statistics -- with the compiled kernels
of ``_native_norm`` where they apply, else with ``einsum`` reductions over the reduced axes (mean, then the variance
of the centred values; see ``ember.ops.kernels.norm_numpy`` for how the float32 mean is kept accurate), splitting big inputs over
blocks of samples on worker threads -- and whose backward uses the closed form

    dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),   dxhat = dy * weight

on arrays. When the backward itself is recorded (``create_graph=True``) the same formula is evaluated with
differentiable Tensor ops instead, so double backward works too, at composite speed.
"""
from __future__ import annotations

import math

import numpy as np

from ....autograd.function import Op
from ....autograd.grad_mode import STATE
from ...kernels import norm_native as _native_norm
from ...kernels.norm_numpy import _block_count, _row_input_grad_into, _row_normalize_into
from ...kernels.threads import _over_blocks
from ...._tensor import wrap

__all__ = ["layer_norm", "group_norm", "rms_norm", "local_response_norm"]


def _data(t):
    return None if t is None else t._data


def _size_list(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# -- differentiable backward -----------------------------------------------------------------------------------

def _norm_backward_graph(g, xhat, invstd, weight_b, view_shape, stat_dims, batch_stats: bool):
    """The input gradient with Tensor ops (used when the backward is itself differentiated).

    ``xhat`` and ``invstd`` live in ``view_shape`` (the layout where statistics reduce over ``stat_dims``);
    ``weight_b`` is the weight broadcastable against ``g`` (or None).
    """
    shape = g.shape
    gw = g * weight_b if weight_b is not None else g
    gw = gw.reshape(view_shape)
    if batch_stats:
        gw = gw - gw.mean(stat_dims, keepdim=True) - xhat * (gw * xhat).mean(stat_dims, keepdim=True)
    return (gw * invstd).reshape(shape)


def _verify_batch_size(size) -> None:
    count = size[0]
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _affine_rows(v, groups: int, repeat: int, fill: float, d: int) -> np.ndarray:
    """A weight or bias as the (groups, d) rows the compiled row kernels take: each entry repeated ``repeat`` times
    (over a channel's positions, for group norm), or ``fill`` everywhere when there is none."""
    if v is None:
        return np.full((groups, d), fill, np.float32)
    return np.repeat(v.reshape(groups, -1), repeat, axis=1)


# -- layer norm -------------------------------------------------------------------------------------------------

class _LayerNorm(Op):
    """Normalisation over the trailing ``ndims`` dims, with an elementwise affine of that shape."""

    _name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, ndims, eps):
        k = math.prod(x.shape[x.ndim - ndims:])
        x2 = x.reshape(-1, k)
        rows = x2.shape[0]
        ctx.stats = (k, eps, x.shape[x.ndim - ndims:])
        if _native_norm.takes_rows(x):
            y, ctx.mean, ctx.invstd = _native_norm.rows_forward(x2, _affine_rows(weight, 1, 1, 1.0, k),
                                                                _affine_rows(bias, 1, 1, 0.0, k), eps)
            ctx.save_for_backward(x, weight, None)  # backward reads x itself
            return y.reshape(x.shape)
        xhat = np.empty_like(x2)
        invstd = np.empty(rows, dtype=x.dtype)
        y = np.empty_like(x2)
        w = None if weight is None else weight.reshape(-1)
        b = None if bias is None else bias.reshape(-1)

        def block(_, sl):
            xh = xhat[sl]
            _row_normalize_into(x2[sl], xh, invstd[sl], eps)
            out = y[sl]
            if w is not None:
                np.multiply(xh, w, out=out)
            else:
                out[...] = xh
            if b is not None:
                out += b

        _over_blocks(block, rows, _block_count(rows, x2.size))
        ctx.save_for_backward(x, weight, xhat)
        ctx.invstd = invstd
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, xhat = ctx.saved_tensors
        k, eps, nshape = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if STATE.enabled:
            view = (-1, k)
            x2 = x.reshape(view)
            xc = x2 - x2.mean(1, keepdim=True)
            inv = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
            xh = xc * inv
            dx = _norm_backward_graph(g, xh, inv, weight, view, 1, True) if need_x else None
            g2 = g.reshape(view)
            dw = (g2 * xh).sum(0).reshape(nshape) if need_w else None
            db = g2.sum(0).reshape(nshape) if need_b else None
            return dx, dw, db
        g2 = g._data.reshape(-1, k)
        if xhat is None:
            w_rows = _affine_rows(_data(weight), 1, 1, 1.0, k)
            dx, dw, db = _native_norm.rows_backward(g2, x._data.reshape(-1, k), w_rows, ctx.mean, ctx.invstd, need_x,
                                                    need_w or need_b)
            return (wrap(dx.reshape(x.shape)) if need_x else None, wrap(dw.reshape(nshape)) if need_w else None,
                    wrap(db.reshape(nshape)) if need_b else None)
        invstd = ctx.invstd
        xh_all = xhat._data
        rows = g2.shape[0]
        w = None if weight is None else weight._data.reshape(-1)
        dx = np.empty_like(g2) if need_x else None
        blocks = _block_count(rows, g2.size)
        partial = np.empty((blocks, 2, k), dtype=g2.dtype)  # per block: sum(g * xhat), sum(g) over rows

        def block(i, sl):
            gs, xh = g2[sl], xh_all[sl]
            if need_w:
                np.einsum("rk,rk->k", gs, xh, out=partial[i, 0])
            if need_b:
                np.einsum("rk->k", gs, out=partial[i, 1])
            if need_x:
                out = dx[sl]
                if w is not None:
                    np.multiply(gs, w, out=out)
                _row_input_grad_into(out if w is not None else gs, xh, invstd[sl], out)

        _over_blocks(block, rows, blocks)
        sums = partial.sum(0)
        return (wrap(dx.reshape(x.shape)) if need_x else None, wrap(sums[0].reshape(nshape)) if need_w else None,
                wrap(sums[1].reshape(nshape)) if need_b else None)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing dims ``normalized_shape`` (biased variance), then ``* weight + bias``."""
    if isinstance(normalized_shape, int):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(int(s) for s in normalized_shape)
    nd = len(shape)
    if nd == 0 or input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise RuntimeError(f"Given normalized_shape={_size_list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size{_size_list(input.shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{_size_list(t.shape)} and normalized_shape = {_size_list(shape)}")
    return _LayerNorm.apply(input, weight, bias, ndims=nd, eps=eps)


# -- group norm -------------------------------------------------------------------------------------------------

class _GroupNorm(Op):
    """Normalisation of (N, C, *) over each group of C / G channels and all positions, affine per channel."""

    _name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, num_groups, eps):
        n, c = x.shape[0], x.shape[1]
        x3 = x.reshape(n, num_groups, -1)
        ctx.stats = (num_groups, eps)
        if _native_norm.takes_rows(x):
            positions, d = x3.shape[2] * num_groups // c, x3.shape[2]
            y, ctx.mean, ctx.invstd = _native_norm.rows_forward(
                x3.reshape(-1, d), _affine_rows(weight, num_groups, positions, 1.0, d),
                _affine_rows(bias, num_groups, positions, 0.0, d), eps)
            ctx.save_for_backward(x, weight, None)  # backward reads x itself
            return y.reshape(x.shape)
        xhat = np.empty_like(x3)
        invstd = np.empty((n, num_groups), dtype=x.dtype)
        y = np.empty_like(x3)

        def block(_, sl):
            xh = xhat[sl]
            _row_normalize_into(x3[sl].reshape(-1, x3.shape[2]), xh.reshape(-1, x3.shape[2]),
                                invstd[sl].reshape(-1), eps)
            xh, out = xh.reshape(xh.shape[0], c, -1), y[sl].reshape(xh.shape[0], c, -1)
            if weight is not None:
                np.multiply(xh, weight[:, None], out=out)
            else:
                out[...] = xh
            if bias is not None:
                out += bias[:, None]

        _over_blocks(block, n, _block_count(n, x3.size))
        ctx.save_for_backward(x, weight, xhat.reshape(n * num_groups, -1))
        ctx.invstd = invstd.reshape(-1)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, weight, xhat = ctx.saved_tensors
        groups, eps = ctx.stats
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, c = x.shape[0], x.shape[1]
        if STATE.enabled:
            view = (n * groups, -1)
            x2 = x.reshape(view)
            xc = x2 - x2.mean(1, keepdim=True)
            inv = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
            xh = xc * inv
            w_b = weight.reshape((1, c) + (1,) * (x.ndim - 2)) if weight is not None else None
            dx = _norm_backward_graph(g, xh, inv, w_b, view, 1, True) if need_x else None
            g3 = g.reshape(n, c, -1)
            dw = (g3 * xh.reshape(n, c, -1)).sum((0, 2)) if need_w else None
            db = g3.sum((0, 2)) if need_b else None
            return dx, dw, db
        if xhat is None:
            d = x._data.size // (n * groups)
            w_rows = _affine_rows(_data(weight), groups, d * groups // c, 1.0, d)
            dx, dw, db = _native_norm.rows_backward(g._data.reshape(-1, d), x._data.reshape(-1, d), w_rows, ctx.mean,
                                                    ctx.invstd, need_x, need_w or need_b)
            # (G, D) sums -> per channel: a group's row holds its channels' positions one channel after another
            return (wrap(dx.reshape(x.shape)) if need_x else None,
                    wrap(dw.reshape(c, -1).sum(1)) if need_w else None,
                    wrap(db.reshape(c, -1).sum(1)) if need_b else None)
        g3 = g._data.reshape(n, c, -1)
        xh3 = xhat._data.reshape(n, c, -1)
        inv2 = ctx.invstd.reshape(n, groups)
        w = None if weight is None else weight._data[:, None]
        dx = np.empty_like(g3) if need_x else None
        blocks = _block_count(n, g3.size)
        partial = np.empty((blocks, 2, c), dtype=g3.dtype)  # per block: sum(g * xhat), sum(g) per channel

        def block(i, sl):
            gs, xh = g3[sl], xh3[sl]
            if need_w:
                np.einsum("ncl,ncl->c", gs, xh, out=partial[i, 0])
            if need_b:
                np.einsum("ncl->c", gs, out=partial[i, 1])
            if need_x:
                out = dx[sl]
                if w is not None:
                    np.multiply(gs, w, out=out)
                rows = (gs.shape[0] * groups, -1)
                _row_input_grad_into((out if w is not None else gs).reshape(rows), xh.reshape(rows),
                                     inv2[sl].reshape(-1), out.reshape(rows))

        _over_blocks(block, n, blocks)
        sums = partial.sum(0)
        return (wrap(dx.reshape(x.shape)) if need_x else None, wrap(sums[0]) if need_w else None,
                wrap(sums[1]) if need_b else None)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise (N, C, *) over groups of C / num_groups channels (and all positions), then affine per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(input.shape[2:]))
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {_size_list(input.shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {_size_list(t.shape)} and input of shape "
                               f"{_size_list(input.shape)}")
    return _GroupNorm.apply(input, weight, bias, num_groups=num_groups, eps=eps)


# -- RMS norm ---------------------------------------------------------------------------------------------------

def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):
    """``input / sqrt(mean(input**2 over normalized_shape) + eps) * weight``; eps defaults to the dtype's eps."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    nd = len(shape)
    if nd == 0 or input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise RuntimeError(f"Given normalized_shape={_size_list(shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in shape)}], but got input of size{_size_list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - nd, input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


# -- local response norm ----------------------------------------------------------------------------------------

class _ChannelWindowSum(Op):
    """out[:, i] = sum of x[:, i - before .. i + after] (zeros outside), along dim 1."""

    @staticmethod
    def forward(ctx, x, *, before, after):
        ctx.window = (before, after)
        c = x.shape[1]
        pad = [(0, 0)] * x.ndim
        pad[1] = (before, after)
        padded = np.pad(x, pad)
        out = padded[:, :c].copy()
        for j in range(1, before + after + 1):
            out += padded[:, j:j + c]
        return out

    @staticmethod
    def backward(ctx, g):
        before, after = ctx.window
        return _ChannelWindowSum.apply(g, before=after, after=before)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """``input / (k + alpha / size * sum of squares over a window of `size` neighbouring channels) ** beta``."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    window = _ChannelWindowSum.apply(input * input, before=size // 2, after=(size - 1) // 2)
    div = (window * (alpha / size) + k) ** beta
    return input / div
