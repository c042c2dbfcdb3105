"""The normalisation kernels' dispatcher: for each call, the compiled kernel when it takes the case, else NumPy's.

``norm_native.takes`` / ``takes_rows`` say which cases the compiled kernels compute (float32; for batch norm also
(N, C, *) inputs whose rows fill a cache line); every other case, and every case while the compiled library is
absent or switched off (``native.enabled``), runs on the NumPy kernels of ``norm_numpy``. A forward returns what
its backward needs, and the backward takes the path its forward took: the compiled kernels read the input and
its statistics again, the NumPy ones the centred or normalised input the forward kept (None after a compiled
forward).
"""
from __future__ import annotations

import numpy as np

from . import norm_native, norm_numpy


# -- batch norm -------------------------------------------------------------------------------------------------

def batch_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                       running_mean: np.ndarray | None, running_var: np.ndarray | None, training: bool,
                       momentum: float, eps: float, keep: bool) -> tuple:
    """Batch norm of the (N, C, *) ``x``: (y, mean, invstd, shift, centered).

    Normalises per channel with the batch statistics when ``training`` (and updates the running buffers given, in
    place), else with the running ones. ``shift`` and ``centered`` are what the NumPy backward needs (None after
    the compiled forward), kept only when ``keep``.
    """
    if norm_native.takes(x):
        y, mean, var, invstd = norm_native.forward(x, weight, bias, running_mean, running_var, training, eps)
        shift = centered = None
    else:
        y, mean, var, shift, invstd, centered = norm_numpy.batch_norm_forward(x, weight, bias, running_mean,
                                                                              running_var, training, eps, keep)
    if training:
        norm_numpy.update_running_stats(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
    return y.reshape(x.shape), mean, invstd, shift, centered


def batch_norm_backward(g: np.ndarray, x: np.ndarray, weight: np.ndarray | None, mean: np.ndarray,
                        invstd: np.ndarray, shift: np.ndarray | None, centered: np.ndarray | None, training: bool,
                        need_input_grad: bool) -> tuple:
    """(input gradient or None, weight gradient, bias gradient) of ``batch_norm_forward``, from what it returned."""
    if centered is None:
        dx, dw, db = norm_native.backward(g, x, weight, mean, invstd, training, need_input_grad)
    else:
        dx, dw, db = norm_numpy.batch_norm_backward(g, centered, weight, shift, invstd, training, need_input_grad)
    return None if dx is None else dx.reshape(x.shape), dw, db


# -- layer and group norm ---------------------------------------------------------------------------------------

def _affine_rows(v: np.ndarray | None, groups: int, repeat: int, fill: float, d: int) -> np.ndarray:
    """A weight or bias as the (groups, d) rows the compiled row kernels take: each entry repeated ``repeat`` times
    (over a channel's positions, for group norm), or ``fill`` everywhere when there is none."""
    if v is None:
        return np.full((groups, d), fill, np.float32)
    return np.repeat(v.reshape(groups, -1), repeat, axis=1)


def layer_norm_forward(x2: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float) -> tuple:
    """Layer norm of the rows of the (R, D) ``x2``, times ``weight`` (D,) plus ``bias`` (D,): (y, mean, invstd,
    xhat); ``mean`` is None after the NumPy forward, ``xhat`` after the compiled one."""
    if norm_native.takes_rows(x2):
        d = x2.shape[1]
        y, mean, invstd = norm_native.rows_forward(x2, _affine_rows(weight, 1, 1, 1.0, d),
                                                   _affine_rows(bias, 1, 1, 0.0, d), eps)
        return y, mean, invstd, None
    y, xhat, invstd = norm_numpy.layer_norm_forward(x2, weight, bias, eps)
    return y, None, invstd, xhat


def layer_norm_backward(g2: np.ndarray, x2: np.ndarray, weight: np.ndarray | None, mean: np.ndarray | None,
                        invstd: np.ndarray, xhat: np.ndarray | None, need_input_grad: bool, need_weight_grad: bool,
                        need_bias_grad: bool) -> tuple:
    """(input gradient (R, D), weight gradient (D,), bias gradient (D,)), each None unless needed, of
    ``layer_norm_forward``, from what it returned."""
    if xhat is not None:
        return norm_numpy.layer_norm_backward(g2, xhat, weight, invstd, need_input_grad, need_weight_grad,
                                              need_bias_grad)
    w_rows = _affine_rows(weight, 1, 1, 1.0, x2.shape[1])
    dx, dw, db = norm_native.rows_backward(g2, x2, w_rows, mean, invstd, need_input_grad,
                                           need_weight_grad or need_bias_grad)
    return dx, dw[0] if need_weight_grad else None, db[0] if need_bias_grad else None


def group_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, groups: int,
                       eps: float) -> tuple:
    """Group norm of the (N, C, *) ``x`` (each sample's groups of C / ``groups`` channels), times ``weight`` (C,)
    plus ``bias`` (C,) per channel: (y, mean, invstd, xhat); ``mean`` is None after the NumPy forward, ``xhat``
    after the compiled one."""
    if norm_native.takes_rows(x):
        n, c = x.shape[0], x.shape[1]
        d = x.size // (n * groups)
        positions = d * groups // c
        y, mean, invstd = norm_native.rows_forward(x.reshape(-1, d), _affine_rows(weight, groups, positions, 1.0, d),
                                                   _affine_rows(bias, groups, positions, 0.0, d), eps)
        return y.reshape(x.shape), mean, invstd, None
    y, xhat, invstd = norm_numpy.group_norm_forward(x, weight, bias, groups, eps)
    return y.reshape(x.shape), None, invstd, xhat


def group_norm_backward(g: np.ndarray, x: np.ndarray, weight: np.ndarray | None, mean: np.ndarray | None,
                        invstd: np.ndarray, xhat: np.ndarray | None, groups: int, need_input_grad: bool,
                        need_weight_grad: bool, need_bias_grad: bool) -> tuple:
    """(input gradient, weight gradient (C,), bias gradient (C,)), each None unless needed, of
    ``group_norm_forward``, from what it returned."""
    if xhat is not None:
        dx, dw, db = norm_numpy.group_norm_backward(g, xhat, weight, invstd, groups, need_input_grad,
                                                    need_weight_grad, need_bias_grad)
        return None if dx is None else dx.reshape(x.shape), dw, db
    n, c = x.shape[0], x.shape[1]
    d = x.size // (n * groups)
    w_rows = _affine_rows(weight, groups, d * groups // c, 1.0, d)
    dx, dw, db = norm_native.rows_backward(g.reshape(-1, d), x.reshape(-1, d), w_rows, mean, invstd,
                                           need_input_grad, need_weight_grad or need_bias_grad)
    # (G, D) sums -> per channel: a group's row holds its channels' positions one channel after another
    return (None if dx is None else dx.reshape(x.shape), dw.reshape(c, -1).sum(1) if need_weight_grad else None,
            db.reshape(c, -1).sum(1) if need_bias_grad else None)
