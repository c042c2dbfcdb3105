"""Folding an eval-mode BatchNorm into the convolution or Linear before it (``nn.utils.fuse_*``): BN computes
``(y - mean) * w / sqrt(var + eps) + b`` per channel, an affine map, so the layer's weight scales by
``w / sqrt(var + eps)`` along its output channels and its bias becomes ``(bias - mean) * scale + b``."""
from __future__ import annotations

import copy

from ... import _creation
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _fused_bias(bias, bn_rm, scale, bn_b, dtype):
    bias = _creation.zeros_like(bn_rm) if bias is None else bias
    shift = _creation.zeros_like(bn_rm) if bn_b is None else bn_b
    return ((bias - bn_rm) * scale + shift).to(dtype), bias.requires_grad


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b, transpose: bool = False):
    """The weight and bias of a convolution followed by an eval-mode BatchNorm, as one convolution's Parameters
    (``transpose``: the weight is a transposed convolution's, output channels on dim 1)."""
    scale = (bn_rv + bn_eps).rsqrt() * (_creation.ones_like(bn_rm) if bn_w is None else bn_w)
    shape = [1, -1] if transpose else [-1, 1]
    weight = (conv_w * scale.reshape(shape + [1] * (conv_w.ndim - 2))).to(conv_w.dtype)
    bias, bias_grad = _fused_bias(conv_b, bn_rm, scale, bn_b, conv_w.dtype if conv_b is None else conv_b.dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, bias_grad)


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b):
    """The weight and bias of a Linear followed by an eval-mode BatchNorm1d, as one Linear's Parameters."""
    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    weight = linear_w * scale.unsqueeze(-1).to(linear_w.dtype)
    bias, bias_grad = _fused_bias(linear_b, bn_rm, scale, bn_b,
                                  linear_w.dtype if linear_b is None else linear_b.dtype)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, bias_grad)


def _check_eval(layer, bn) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of ``conv`` that computes ``bn(conv(x))`` (both in eval mode)."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    with no_grad():
        fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                        bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` that computes ``bn(linear(x))`` (both in eval mode)."""
    _check_eval(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    fused = copy.deepcopy(linear)
    with no_grad():
        fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                          bn.eps, bn.weight, bn.bias)
    return fused
