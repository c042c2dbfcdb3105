"""The convolution kernels' dispatcher: for each call, the compiled kernel when it takes the case, else NumPy's.

``conv_native.takes_*`` say which cases the compiled kernels compute (float32, 2-D, unit dilation, one group,
enough output channels to fill its vectors); every other case, a forward with few output positions
(``conv_im2col.few_columns``: the weight is read in place) and every case while the compiled library is absent or
switched off (``native.enabled``) run on the NumPy kernels of ``conv_im2col``. Shapes and argument
meanings are those of ``conv_im2col``.
"""
from __future__ import annotations

import numpy as np

from . import conv_im2col, conv_native


def conv_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: tuple, pads: tuple,
                 dilation: tuple, groups: int) -> np.ndarray:
    """The convolution of ``x`` with ``w`` (plus ``bias``): ``(N, C, *S) -> (N, O, *Out)``."""
    conv_im2col.check_dtype(x)
    if (conv_native.takes_forward(x, w, stride, pads, dilation, groups)
            and not conv_im2col.few_columns(x, w.shape[2:], stride, pads, dilation)):
        return conv_native.forward(x, w, bias, pads, stride)
    return conv_im2col.conv_forward(x, w, bias, stride, pads, dilation, groups)


def conv_input_grad(g: np.ndarray, w: np.ndarray, size: tuple, stride: tuple, pads: tuple, dilation: tuple,
                    groups: int) -> np.ndarray:
    """The gradient w.r.t. an input of spatial ``size`` (also the transposed convolution of ``g``)."""
    conv_im2col.check_dtype(g)
    if conv_native.takes_input_grad(g, w, stride, pads, dilation, groups):
        return conv_native.input_grad(g, w, pads, size, stride)
    return conv_im2col.conv_input_grad(g, w, size, stride, pads, dilation, groups)


def conv_weight_grad(x: np.ndarray, g: np.ndarray, w_shape: tuple, stride: tuple, pads: tuple, dilation: tuple,
                     groups: int) -> np.ndarray:
    """The gradient w.r.t. a weight of shape ``w_shape``, given the input ``x`` and output gradient ``g``."""
    conv_im2col.check_dtype(x)
    w_shape = tuple(w_shape)
    if conv_native.takes_weight_grad(x, g, stride, pads, dilation, groups, w_shape[0]):
        return conv_native.weight_grad(x, g, w_shape, pads, stride)
    return conv_im2col.conv_weight_grad(x, g, w_shape, stride, pads, dilation, groups)
