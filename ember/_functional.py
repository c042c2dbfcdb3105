"""The ``nn.functional`` ops PyTorch also has at top level (``torch.conv2d``, ``torch.dropout``...), loaded on
first use so ``import ember`` stays light. Most are the same function; some top-level forms take their arguments
in another order or form (``torch.batch_norm``, ``torch.embedding``, ``torch.dropout(input, p, train)``, losses
with the reduction as an int), and some exist only there (``torch.lstm_cell``, ``torch.lstm``,
``torch.convolution``, ``torch.grid_sampler``)."""
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
                 "adaptive_max_pool1d", "dropout_", "alpha_dropout_", "feature_alpha_dropout_", "kl_div",
                 "binary_cross_entropy_with_logits", "cosine_embedding_loss", "hinge_embedding_loss",
                 "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss", "lstm_cell", "gru_cell",
                 "rnn_tanh_cell", "rnn_relu_cell", "lstm", "gru", "rnn_tanh", "rnn_relu", "grid_sampler",
                 "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator", "convolution", "constant_pad_nd",
                 "feature_dropout"])
# the top-level losses take the reduction as PyTorch's enum: 0 none, 1 mean, 2 sum
_REDUCTION = ("none", "mean", "sum")
_INTERPOLATION = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")


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


def _in_place(fn_name: str):
    def fn(input, p: float, train: bool):
        """``torch.<name>_(input, p, train)``: the dropout written into ``input``."""
        return input._inplace(lambda t: getattr(_F(), fn_name)(t, p, train))

    fn.__name__ = fn_name + "_"
    return fn


def feature_dropout(input, p: float, train: bool):
    """``torch.feature_dropout``: whole feature maps (dim 1) dropped."""
    from .ops.nn.dropout import feature_dropout as drop  # loaded on first use, as nn.functional is

    return drop(input, p, train)


dropout_ = _in_place("dropout")
alpha_dropout_ = _in_place("alpha_dropout")
feature_alpha_dropout_ = _in_place("feature_alpha_dropout")


def kl_div(input, target, reduction: int = 1, *, log_target: bool = False):
    return _F().kl_div(input, target, reduction=_REDUCTION[reduction], log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction: int = 1):
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_REDUCTION[reduction],
                                                 pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: int = 1):
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=_REDUCTION[reduction])


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: int = 1):
    return _F().hinge_embedding_loss(input, target, margin, reduction=_REDUCTION[reduction])


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: int = 1):
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_REDUCTION[reduction])


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction: int):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_REDUCTION[reduction])


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, reduction: int = 1):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_REDUCTION[reduction])


def _rnn():
    return importlib.import_module("ember.ops.nn.rnn")


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: ``(h, c)`` from ``hx = (h, c)``."""
    return _rnn().lstm_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _rnn().gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _rnn().rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return _rnn().rnn_relu_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def _layers(mode: str, input, hx: tuple, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
            bidirectional: bool, batch_first: bool):
    """``torch.lstm``/``gru``/``rnn_*`` on a padded input: the output and the stacked final states."""
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    out, states = _rnn().rnn_layers(mode, x.reshape(steps * batch, x.shape[2]), [batch] * steps, hx, list(params),
                                    has_biases, num_layers, dropout, train, bidirectional)
    out = out.reshape(steps, batch, out.shape[1])
    return (out.transpose(0, 1) if batch_first else out), states


def lstm(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
         batch_first: bool):
    """``torch.lstm``: (output, h_n, c_n) of the stack whose flat weights are ``params``."""
    out, (h, c) = _layers("LSTM", input, tuple(hx), params, has_biases, num_layers, dropout, train, bidirectional,
                          batch_first)
    return out, h, c


def _single_state(mode: str):
    def fn(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
           batch_first: bool):
        out, (h,) = _layers(mode, input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional,
                            batch_first)
        return out, h

    fn.__name__ = mode.lower()
    fn.__doc__ = f"``torch.{mode.lower()}``: (output, h_n) of the stack whose flat weights are ``params``."
    return fn


gru = _single_state("GRU")
rnn_tanh = _single_state("RNN_TANH")
rnn_relu = _single_state("RNN_RELU")


def grid_sampler(input, grid, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """``torch.grid_sampler``: ``F.grid_sample`` with the modes given as PyTorch's enum values."""
    return _F().grid_sample(input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode], align_corners)


grid_sampler_2d = grid_sampler_3d = grid_sampler


def affine_grid_generator(theta, size, align_corners: bool):
    return _F().affine_grid(theta, size, align_corners=align_corners)


def convolution(input, weight, bias, stride, padding, dilation, transposed: bool, output_padding, groups: int):
    """``torch.convolution``: the convolution (or transposed convolution) of the input's dimensionality."""
    n = input.ndim - 2
    if transposed:
        fn = getattr(_F(), f"conv_transpose{n}d")
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return getattr(_F(), f"conv{n}d")(input, weight, bias, stride, padding, dilation, groups)


def constant_pad_nd(input, pad, value: float = 0):
    return _F().pad(input, pad, "constant", value)


def lookup(name: str):
    """The top-level function ``name``, or None when PyTorch has no such top-level op."""
    if name in SAME:
        return getattr(_F(), name)
    if name in OWN:
        return globals()[name]
    return None
