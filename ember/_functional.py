"""The ``nn.functional`` ops PyTorch also has at top level (``torch.conv2d``, ``torch.dropout``...), loaded on
first use so ``import ember`` stays light. Most are the same function; a few top-level forms take their arguments
in another order (``torch.batch_norm``, ``torch.embedding``, ``torch.dropout(input, p, train)``)."""
from __future__ import annotations

import importlib

# the same signature at top level as in nn.functional
SAME = frozenset([
    "adaptive_avg_pool1d", "avg_pool1d", "bilinear", "celu", "celu_", "channel_shuffle", "conv1d", "conv2d", "conv_tbc",
    "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_similarity", "group_norm",
    "hardshrink", "layer_norm", "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool3d",
    "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "prelu", "relu_", "rms_norm", "rrelu",
    "rrelu_", "selu", "selu_", "threshold", "threshold_",
])
OWN = frozenset(["dropout", "alpha_dropout", "feature_alpha_dropout", "batch_norm", "instance_norm", "embedding",
                 "adaptive_max_pool1d"])


def _F():
    return importlib.import_module("ember.nn.functional")


def dropout(input, p: float, train: bool):
    """``torch.dropout(input, p, train)``: ``F.dropout`` with ``training=train``."""
    return _F().dropout(input, p, train)


def alpha_dropout(input, p: float, train: bool):
    """``torch.alpha_dropout``: see ``nn.functional.alpha_dropout``."""
    return _F().alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p: float, train: bool):
    """``torch.feature_alpha_dropout``: see ``nn.functional.feature_alpha_dropout``."""
    return _F().feature_alpha_dropout(input, p, train)


def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool = True):
    """``torch.batch_norm``: weight and bias come before the running statistics."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool = True):
    """``torch.instance_norm``: weight and bias come before the running statistics."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False):
    """``torch.embedding(weight, indices)``: the rows of ``weight`` at ``indices`` (weight first)."""
    return _F().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def adaptive_max_pool1d(input, output_size):
    """``torch.adaptive_max_pool1d``: (values, indices)."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def lookup(name: str):
    """The top-level function ``name``, or None when PyTorch has no such top-level op."""
    if name in SAME:
        return getattr(_F(), name)
    if name in OWN:
        return globals()[name]
    return None
