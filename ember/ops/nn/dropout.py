"""Dropout: elementwise, channel-wise (1d/2d/3d) and alpha (SELU-preserving) variants.

Each is ``input * noise`` (plus an offset for alpha dropout) with ``noise`` a constant drawn from ember's default
generator, so the gradient is exactly ``noise``: the kept units' mask scaled by ``1 / (1 - p)``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._random import default_generator
from ..._tensor import wrap

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

# SELU's saturation magnitude (scale * alpha): dropped units are set to -_ALPHA before the affine correction
_ALPHA = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _const(array: np.ndarray):
    return wrap(array)


def _keep(shape: tuple, p: float, dtype) -> np.ndarray:
    """PyTorch's mask: ``empty(shape, dtype).bernoulli_(1 - p)``, 1 for a kept unit."""
    noise = np.empty(shape, dtype=dtype)
    default_generator.fill_bernoulli(noise, 1 - p)
    return noise


def _noise_shape(input, feature: bool) -> tuple:
    if not feature:
        return tuple(input.shape)
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _dropout_impl(input, p: float, training: bool, inplace: bool, feature: bool, alpha: bool):
    """PyTorch's shared dropout kernel: identity unless training with 0 < p; zeros when p == 1."""
    if p == 0 or not training or input.numel() == 0:
        return input
    dt = input._data.dtype
    offset = None
    if p == 1:
        noise = np.zeros((), dtype=dt)
    else:
        noise = _keep(_noise_shape(input, feature), p, dt)
        if alpha:
            a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
            offset = _const((noise - 1) * dt.type(_ALPHA * a) + dt.type(_ALPHA * a * p))
            noise *= dt.type(a)
        else:
            noise /= dt.type(1.0 - p)
    noise = _const(noise)

    def apply(x):
        return x * noise if offset is None else x * noise + offset

    return input._inplace(apply) if inplace else apply(input)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=False, alpha=False)


def _channelwise(input, p: float, training: bool, inplace: bool, batched: bool):
    """Feature dropout; an unbatched input gets a batch dim added and removed again, as PyTorch records it."""
    if batched:
        return _dropout_impl(input, p, training, inplace, feature=True, alpha=False)

    def run(x):
        return _dropout_impl(x.unsqueeze(0), p, training, False, feature=True, alpha=False).squeeze(0)

    return input._inplace(run) if inplace else run(input)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channelwise(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    Like PyTorch, a 3-D input is treated as ``(N, C, L)`` (with a warning), not as an unbatched image.
    """
    _check_p(p)
    n = input.ndim
    if n not in (3, 4):
        warnings.warn(f"dropout2d: Received a {n}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if n == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=False)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability ``p``."""
    _check_p(p)
    n = input.ndim
    if n not in (4, 5):
        warnings.warn(f"dropout3d: Received a {n}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _channelwise(input, p, training, inplace, batched=n == 5)


def feature_dropout(input, p: float, train: bool):
    """``torch.feature_dropout``: whole feature maps (dim 1) zeroed with probability ``p``, the rest scaled."""
    _check_p(p)
    return _dropout_impl(input, p, train, False, feature=True, alpha=False)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks: dropped units take SELU's saturation value, then an affine map restores the
    input's mean and variance."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=False, alpha=True)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Channel-wise :func:`alpha_dropout` (whole ``(N, C)`` feature maps are dropped)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)
