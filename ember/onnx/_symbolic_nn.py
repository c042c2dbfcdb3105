"""ONNX converters for the ``nn.functional`` ops: convolutions, pooling, normalisation, activations, embedding,
resampling, padding, pixel shuffle and the recurrent cells (see ``_symbolic`` for the converter contract).
``REGISTRY`` is re-exported from here: importing it from this module guarantees both sets are registered."""
from __future__ import annotations

import math

import numpy as np

from ..jit import Value
from ..ops.nn import activation, embedding, padding, resample, rnn, shuffle
from ..ops.nn.conv import functional as conv
from ..ops.nn.norm.batch_norm import NativeBatchNormBackward0
from ..ops.nn.norm.layer_norm import NativeGroupNormBackward0, NativeLayerNormBackward0
from ..ops.nn.pool import ops as pool
from ._symbolic import REGISTRY, register

__all__ = ["REGISTRY"]


# -- convolution --------------------------------------------------------------------------------------------------
@register(conv.ConvolutionBackward0)
def _conv(b, node, x, w, bias, transposed, size, stride, pads, dilation, groups):
    begins, ends = [p[0] for p in pads], [p[1] for p in pads]
    attrs = dict(kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation), group=int(groups))
    inputs = [x, w] + ([bias] if bias is not None else [])
    if not transposed:
        return b.one("Conv", inputs, pads=begins + ends, **attrs)
    output_padding = [p - e for p, e in zip(begins, ends)]
    return b.one("ConvTranspose", inputs, pads=begins + begins, output_padding=output_padding, **attrs)


# -- pooling -------------------------------------------------------------------------------------------------------
def _window_attrs(geom) -> dict:
    floor = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                  for n, k, s, p, d in zip(geom.size, geom.k, geom.s, geom.p, geom.d))
    return dict(kernel_shape=list(geom.k), strides=list(geom.s), pads=list(geom.p) * 2,
                ceil_mode=int(tuple(geom.out) != floor))


@register(pool._MaxPool)
def _max_pool(b, node, x, geom, return_indices):
    attrs = _window_attrs(geom)
    if any(d != 1 for d in geom.d):
        attrs["dilations"] = list(geom.d)
    if len(node.outputs) < 2:
        return b.one("MaxPool", [x], **attrs)
    values, flat = b.emit("MaxPool", [x], n_out=2, **attrs)
    b.raw_indices[id(node.outputs[1])] = (flat, geom)
    # ONNX counts indices over the whole tensor, PyTorch within each plane
    shape = node.outputs[1].shape
    planes = math.prod(shape[:-len(geom.k)])
    offsets = (np.arange(planes, dtype=np.int64) * math.prod(geom.size)).reshape(shape[:-len(geom.k)] +
                                                                                 (1,) * len(geom.k))
    return [values, b.one("Sub", [flat, offsets])]


@register(pool._MaxUnpool)
def _max_unpool(b, node, x, idx, plane):
    raw = b.raw_indices.get(id(idx)) if isinstance(idx, Value) else None
    if raw is None:
        raise b.unsupported("the indices must come straight from max_pool(return_indices=True)")
    flat, geom = raw
    out_shape = node.outputs[0].shape
    return b.one("MaxUnpool", [x, flat, b.ints(out_shape)], kernel_shape=list(geom.k), strides=list(geom.s),
                 pads=list(geom.p) * 2)


@register(pool._AvgPool)
def _avg_pool(b, node, x, geom, divisor):
    attrs = _window_attrs(geom)
    if isinstance(divisor, np.ndarray):  # count_include_pad=False with padding
        return b.one("AveragePool", [x], count_include_pad=0, **attrs)
    out = b.one("AveragePool", [x], count_include_pad=1, **attrs)
    window = math.prod(geom.k)
    return out if divisor == window else b.one("Mul", [out, b.scalar(window / divisor, x)])


def _contract(b, x: Value, steps) -> str:
    """Apply per-axis linear maps (``("mat", W)`` or a matrix: ``W @`` that axis; ``("take", idx)``: a gather) to
    the trailing axes: exactly the arithmetic of ember's resampling and adaptive average pooling."""
    out = b.input(x)
    nd, first = len(steps), len(x.shape) - len(steps)
    for j in reversed(range(nd)):
        step = steps[j]
        kind, value = step if isinstance(step, tuple) else ("mat", step)
        axis = first + j
        if kind == "take":
            out = b.one("Gather", [out, np.asarray(value, dtype=np.int64)], axis=axis)
            continue
        weight = np.ascontiguousarray(value.T.astype(x.np_dtype))
        if axis == len(x.shape) - 1:
            out = b.one("MatMul", [out, weight])
            continue
        perm = list(range(len(x.shape)))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        out = b.one("Transpose", [b.one("MatMul", [b.one("Transpose", [out], perm=perm), weight])], perm=perm)
    return out


@register(pool._AdaptiveAvgPool)
def _adaptive_avg_pool(b, node, x, weights):
    if all(w.shape[0] == 1 for w in weights):
        return b.one("GlobalAveragePool", [x])
    return _contract(b, x, weights)


@register(resample._Resample)
def _resample(b, node, x, steps, adjoint=None):
    return _contract(b, x, steps)


@register(pool._AdaptiveMaxPool)
def _adaptive_max_pool(b, node, x, out):
    if len(node.outputs) > 1 and id(node.outputs[1]) in b.used:
        raise b.unsupported("the indices of adaptive max pooling")
    size = x.shape[-len(out):]
    if all(o == 1 for o in out):
        values = b.one("GlobalMaxPool", [x])
    elif all(n % o == 0 for n, o in zip(size, out)):
        k = [n // o for n, o in zip(size, out)]
        values = b.one("MaxPool", [x], kernel_shape=k, strides=k)
    else:
        raise b.unsupported(f"output size {tuple(out)} does not divide input size {tuple(size)}")
    return [values] + [None] * (len(node.outputs) - 1)


# -- normalisation -------------------------------------------------------------------------------------------------
def _ones(b, value, like: Value, n: int, fill: float) -> str:
    return b.input(value) if value is not None else b.const(np.full(n, fill, dtype=like.np_dtype))


def _normalize(b, x, axes, eps: float, like: Value) -> str:
    """(x - mean) / sqrt(var + eps) over ``axes`` (biased variance, as the norms use); ``like`` gives the dtype."""
    mean = b.reduce("ReduceMean", x, axes, True)
    centered = b.one("Sub", [x, mean])
    var = b.reduce("ReduceMean", b.one("Mul", [centered, centered]), axes, True)
    return b.one("Div", [centered, b.one("Sqrt", [b.one("Add", [var, b.scalar(eps, like)])])])


def _channel_affine(b, y: str, x: Value, weight, bias) -> str:
    """y * weight + bias with (C,) vectors broadcast over dim 1."""
    shape = [-1] + [1] * (len(x.shape) - 2)
    if weight is not None:
        y = b.one("Mul", [y, b.one("Reshape", [weight, b.ints(shape)])])
    if bias is not None:
        y = b.one("Add", [y, b.one("Reshape", [bias, b.ints(shape)])])
    return y


@register(NativeBatchNormBackward0)
def _batch_norm(b, node, x, weight, bias, *, running_mean, running_var, training, momentum, eps, keep=None):
    outs = [None] * (len(node.outputs) - 1)
    if training or running_mean is None:  # batch statistics (train mode, or no running stats kept)
        axes = [0] + list(range(2, len(x.shape)))
        return [_channel_affine(b, _normalize(b, x, axes, eps, x), x, weight, bias)] + outs
    c = x.shape[1]
    y = b.one("BatchNormalization", [x, _ones(b, weight, x, c, 1.0), _ones(b, bias, x, c, 0.0), running_mean,
                                     running_var], epsilon=float(eps), momentum=1.0 - float(momentum or 0.1))
    return [y] + outs


@register(NativeLayerNormBackward0)
def _layer_norm(b, node, x, weight, bias, *, ndims, eps):
    shape = x.shape[-ndims:]
    scale = b.input(weight) if weight is not None else b.const(np.ones(shape, dtype=x.np_dtype))
    shift = b.input(bias) if bias is not None else b.const(np.zeros(shape, dtype=x.np_dtype))
    y = b.one("LayerNormalization", [x, scale, shift], axis=-int(ndims), epsilon=float(eps))
    return [y] + [None] * (len(node.outputs) - 1)


@register(NativeGroupNormBackward0)
def _group_norm(b, node, x, weight, bias, *, num_groups, eps):
    grouped = b.one("Reshape", [x, b.ints([0, num_groups, -1])])
    y = b.one("Reshape", [_normalize(b, grouped, [2], eps, x), b.one("Shape", [x])])
    return [_channel_affine(b, y, x, weight, bias)] + [None] * (len(node.outputs) - 1)


# -- activations ---------------------------------------------------------------------------------------------------
@register(activation.ThresholdBackward0)
def _threshold(b, node, x, threshold, value):
    return b.one("Where", [b.one("Greater", [x, b.scalar(threshold, x)]), x, b.scalar(value, x)])


@register(activation.HardtanhBackward0)
def _hardtanh(b, node, x, lo, hi):
    return b.one("Clip", [x, b.scalar(lo, x), b.scalar(hi, x)])


@register(activation.LeakyReluBackward0)
def _leaky_relu(b, node, x, slope):
    return b.one("LeakyRelu", [x], alpha=float(slope))


@register(activation.RreluWithNoiseBackward0)
def _rrelu(b, node, x, lower, upper, training):
    if training:
        raise b.unsupported("rrelu draws random slopes in training mode")
    return b.one("LeakyRelu", [x], alpha=(float(lower) + float(upper)) / 2)


@register(activation.HardshrinkBackward0)
def _hardshrink(b, node, x, lambd):
    keep = b.one("Greater", [b.one("Abs", [x]), b.scalar(lambd, x)])
    return b.one("Where", [keep, x, b.scalar(0, x)])


@register(activation.SoftshrinkBackward0)
def _softshrink(b, node, x, lambd):
    return b.one("Shrink", [x], lambd=float(lambd), bias=float(lambd))


@register(activation.HardsigmoidBackward0)
def _hardsigmoid(b, node, x):
    return b.one("HardSigmoid", [x], alpha=1.0 / 6, beta=0.5)


@register(activation.HardswishBackward0)
def _hardswish(b, node, x):
    return b.one("HardSwish", [x])


@register(activation.EluBackward0)
def _elu(b, node, x, alpha, scale, input_scale):
    if input_scale == 1 and scale == 1:
        return b.one("Elu", [x], alpha=float(alpha))
    if input_scale == 1:
        return b.one("Selu", [x], alpha=float(alpha), gamma=float(scale))
    if scale == 1 and math.isclose(input_scale * alpha, 1.0):
        return b.one("Celu", [x], alpha=float(alpha))
    raise b.unsupported(f"elu with scale={scale}, input_scale={input_scale}")


@register(activation.GeluBackward0)
def _gelu(b, node, x, approximate):
    if b.opset >= 20:
        return b.one("Gelu", [x], approximate=approximate)
    if approximate == "tanh":
        cube = b.one("Mul", [b.one("Mul", [x, x]), x])
        inner = b.one("Mul", [b.one("Add", [x, b.one("Mul", [cube, b.scalar(0.044715, x)])]),
                              b.scalar(math.sqrt(2 / math.pi), x)])
        gate = b.one("Add", [b.one("Tanh", [inner]), b.scalar(1.0, x)])
    else:
        gate = b.one("Add", [b.one("Erf", [b.one("Div", [x, b.scalar(math.sqrt(2.0), x)])]), b.scalar(1.0, x)])
    return b.one("Mul", [b.one("Mul", [x, gate]), b.scalar(0.5, x)])


@register(activation.LogSigmoidBackward0)
def _log_sigmoid(b, node, x):
    return b.one("Neg", [b.one("Softplus", [b.one("Neg", [x])])])


@register(activation.SoftplusBackward0)
def _softplus(b, node, x, beta, threshold):
    scaled = b.one("Mul", [x, b.scalar(beta, x)]) if beta != 1 else b.input(x)
    soft = b.one("Softplus", [scaled])
    soft = b.one("Div", [soft, b.scalar(beta, x)]) if beta != 1 else soft
    return b.one("Where", [b.one("Greater", [scaled, b.scalar(threshold, x)]), x, soft])


@register(activation.SiluBackward0)
def _silu(b, node, x):
    return b.one("Mul", [x, b.one("Sigmoid", [x])])


@register(activation.MishBackward0)
def _mish(b, node, x):
    return b.one("Mul", [x, b.one("Tanh", [b.one("Softplus", [x])])])


@register(activation.PreluKernelBackward0)
def _prelu(b, node, x, w):
    return b.one("PRelu", [x, w])


@register(activation.GluBackward0)
def _glu(b, node, x, dim):
    half = x.shape[dim] // 2
    first, second = b.split(x, [half, half], int(dim) % len(x.shape))
    return b.one("Mul", [first, b.one("Sigmoid", [second])])


# -- embedding, padding, shuffles ------------------------------------------------------------------------------------
@register(embedding.EmbeddingBackward0)
def _embedding(b, node, weight, idx, padding_idx=None, scale_grad_by_freq=False):
    return b.one("Gather", [weight, idx], axis=0)


@register(padding.ConstantPadNdBackward0)
def _constant_pad(b, node, x, pads, value):
    lead = len(x.shape) - len(pads)
    begins = [0] * lead + [lo for lo, _ in pads]
    ends = [0] * lead + [hi for _, hi in pads]
    return b.one("Pad", [x, b.ints(begins + ends), b.scalar(value, x)], mode="constant")


@register(padding._IndexPad)
def _index_pad(b, node, x, indices):
    return _contract(b, x, [("take", i) for i in indices])


@register(shuffle.PixelShuffleBackward0)
def _pixel_shuffle(b, node, x, *, r):
    if len(x.shape) == 4:
        return b.one("DepthToSpace", [x], blocksize=int(r), mode="CRD")
    raise b.unsupported("pixel_shuffle of a tensor that is not 4-d")


@register(shuffle.PixelUnshuffleBackward0)
def _pixel_unshuffle(b, node, x, *, r):
    n, c, h, w = x.shape
    split = b.one("Reshape", [x, b.ints([0, c, h // r, r, w // r, r])])
    moved = b.one("Transpose", [split], perm=[0, 1, 3, 5, 2, 4])
    return b.one("Reshape", [moved, b.ints([0, c * r * r, h // r, w // r])])


@register(shuffle.ChannelShuffleBackward0)
def _channel_shuffle(b, node, x, *, groups):
    c = x.shape[1]
    split = b.one("Reshape", [x, b.ints([0, groups, c // groups, -1])])
    moved = b.one("Transpose", [split], perm=[0, 2, 1, 3])
    return _reshape_like(b, moved, x)


def _reshape_like(b, y: str, x: Value) -> str:
    return b.one("Reshape", [y, b.one("Shape", [x])])


# -- recurrent layers -------------------------------------------------------------------------------------------------
def _gates(b, w, order) -> str:
    """A PyTorch gate-stacked weight reordered to ONNX's gate order, with a leading direction dim."""
    parts = b.split(w, [w.shape[0] // len(order)] * len(order), 0)
    return b.one("Unsqueeze", [b.one("Concat", [parts[i] for i in order], axis=0), b.ints([0])])


@register(rnn.MkldnnRnnLayerBackward0)
def _lstm_layer(b, node, data, w_ih, w_hh, b_ih, b_hh, h0, c0, batch_sizes=(), reverse=False):
    if len(set(batch_sizes)) > 1:
        raise b.unsupported("packed sequences of different lengths")
    batch, hidden = h0.shape
    order = [0, 3, 1, 2]  # PyTorch's gates i, f, g, o; ONNX's i, o, f, c
    biases = None
    if b_ih is not None:
        biases = b.one("Concat", [_gates(b, b_ih, order), _gates(b, b_hh, order)], axis=1)
    seq = b.one("Reshape", [data, b.ints([-1, batch, data.shape[1]])])
    y, h, c = b.emit("LSTM", [seq, _gates(b, w_ih, order), _gates(b, w_hh, order), biases, "",
                              b.one("Unsqueeze", [h0, b.ints([0])]), b.one("Unsqueeze", [c0, b.ints([0])])],
                     n_out=3, hidden_size=int(hidden), direction="reverse" if reverse else "forward")
    return [b.one("Reshape", [y, b.ints([-1, hidden])]), b.one("Squeeze", [h, b.ints([0])]),
            b.one("Squeeze", [c, b.ints([0])])]


@register(rnn.ThnnFusedLstmCellBackward0)
def _lstm_cell(b, node, xg, hg, c):
    size = c.shape[1]
    i, f, g, o = b.split(b.one("Add", [xg, hg]), [size] * 4, 1)
    c_new = b.one("Add", [b.one("Mul", [b.one("Sigmoid", [f]), c]),
                          b.one("Mul", [b.one("Sigmoid", [i]), b.one("Tanh", [g])])])
    return [b.one("Mul", [b.one("Sigmoid", [o]), b.one("Tanh", [c_new])]), c_new]


@register(rnn.ThnnFusedGruCellBackward0)
def _gru_cell(b, node, xg, hg, h):
    size = h.shape[1]
    xr, xn = b.split(xg, [2 * size, size], 1)
    hr, hn = b.split(hg, [2 * size, size], 1)
    r, z = b.split(b.one("Sigmoid", [b.one("Add", [xr, hr])]), [size, size], 1)
    n = b.one("Tanh", [b.one("Add", [xn, b.one("Mul", [r, hn])])])
    return b.one("Add", [n, b.one("Mul", [z, b.one("Sub", [h, n])])])
