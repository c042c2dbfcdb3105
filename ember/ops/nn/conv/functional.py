"""Convolutions: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold`` and ``fold``.

Three bilinear maps share one geometry (stride, pads, dilation, groups) and are each other's gradients, so the
gradient of a convolution is itself differentiable (double backward). The first two are one Op, PyTorch's
``convolution`` with its ``transposed`` flag:

* ``ConvolutionBackward0``          y = conv(x, w)      dx = conv_t(g, w)     dw = conv_w(x, g)
* ``ConvolutionBackward0``, transp. y = conv_t(x, w)    dx = conv(g, w)       dw = conv_w(g, x)
* ``ConvolutionBackwardBackward0``  y = conv_w(x, g)    dx = conv_t(g, y')    dg = conv(x, y')

The array work lives in ``ember.ops.kernels.conv``, which picks the compiled or the NumPy kernel for each call.
"""
from __future__ import annotations

from ...._dtype import _cpp_type_name, _type_name, is_real_floating
from ....autograd.function import Op
from ...kernels import conv
from ...kernels.conv_common import out_size
from ...kernels.conv_im2col import fold as _fold, unfold as _unfold
from ..._autocast import lower_precision

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold", "assert_int_or_pair", "conv_tbc"]

def _bias_shape(nd: int, channels: int) -> tuple:
    return (1, channels) + (1,) * nd


def _spatial(g) -> tuple:
    return (0,) + tuple(range(2, g.ndim))


class ConvolutionBackward0(Op):
    """PyTorch's ``convolution``: ``y[n, o] = sum_c,k w[o, c, k] x_pad[n, c, stride * p + dilation * k] + b[o]``
    (per group) or, ``transposed``, its adjoint in the input, which maps ``(N, O, *Out)`` onto ``(N, C, *size)``
    (+ b)."""

    _inputs = (0, 1, 2)  # PyTorch lists a missing bias as (None, 0)

    @staticmethod
    def forward(ctx, x, w, b, transposed, size, stride, pads, dilation, groups):
        ctx.geometry = (stride, pads, dilation, groups)
        ctx.transposed = transposed
        ctx.save_for_backward(x, w)
        if not transposed:
            return conv.conv_forward(x, w, b, stride, pads, dilation, groups)
        y = conv.conv_input_grad(x, w, size, stride, pads, dilation, groups)
        if b is not None:
            y += b.reshape(_bias_shape(len(size), b.shape[0]))
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        geometry = ctx.geometry
        gx = gw = None
        if ctx.transposed:
            if need[0]:
                gx = ConvolutionBackward0.apply(g, w, None, False, None, *geometry)
            if need[1]:
                gw = ConvolutionBackwardBackward0.apply(g, x, tuple(w.shape), *geometry)
        else:
            if need[0]:
                gx = ConvolutionBackward0.apply(g, w, None, True, tuple(x.shape[2:]), *geometry)
            if need[1]:
                gw = ConvolutionBackwardBackward0.apply(x, g, tuple(w.shape), *geometry)
        gb = g.sum(_spatial(g)) if need[2] else None
        return gx, gw, gb, None, None, None, None, None, None


class ConvolutionBackwardBackward0(Op):
    """The adjoint of a convolution in its weight: ``dw[o, c, k] = sum_n,p g[n, o, p] x_pad[n, c, ...]``."""

    @staticmethod
    def forward(ctx, x, g, w_shape, stride, pads, dilation, groups):
        ctx.geometry = (stride, pads, dilation, groups)
        ctx.save_for_backward(x, g)
        return conv.conv_weight_grad(x, g, w_shape, stride, pads, dilation, groups)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        geometry = ctx.geometry
        gx = ConvolutionBackward0.apply(g, gw, None, True, tuple(x.shape[2:]), *geometry) if need[0] else None
        gg = ConvolutionBackward0.apply(x, gw, None, False, None, *geometry) if need[1] else None
        return gx, gg, None, None, None, None, None


# -- argument checking (PyTorch's messages) ------------------------------------------------------------------
def _expand(value, n: int, name: str) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n != 1:
            return tuple(int(value[0]) for _ in range(n))
        if len(value) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                               f"convolution dimensions, but got {name}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _check_input_rank(input, nd: int, fname: str) -> bool:
    """True when the input is batched; PyTorch's message when the rank is neither."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fname}, but got input "
                           f"of size: {list(input.shape)}")
    return input.ndim == nd + 2


def _check_weight_rank(weight, stride, nd: int) -> None:
    """A weight of the wrong rank: PyTorch reports it as a stride of the wrong length."""
    if weight.ndim - 2 != nd:
        got = list(stride) if isinstance(stride, (list, tuple)) else [stride] * nd
        raise RuntimeError(f"expected stride to be a single integer value or a list of {max(weight.ndim - 2, 0)} "
                           f"values to match the convolution dimensions, but got stride={got}")


def _check_dtypes(input, weight, bias) -> None:
    """The bias is checked before the weight, in PyTorch's order."""
    x_dt, w_dt = input._data.dtype, weight._data.dtype
    if bias is not None and bias._data.dtype != x_dt:
        raise RuntimeError(f"Input type ({_cpp_type_name(x_dt)}) and bias type "
                           f"({_cpp_type_name(bias._data.dtype)}) should be the same")
    if x_dt != w_dt:
        raise RuntimeError(f"expected scalar type {_type_name(x_dt)} but found "
                           f"{_type_name(w_dt)}")


def _check_common(weight, stride, dilation, groups, nd: int) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    kernel = tuple(weight.shape[2:])
    if any(k <= 0 for k in kernel):
        if nd == 3:
            raise RuntimeError(f"kernel size should be greater than zero, but got: {' x '.join(map(str, kernel))} "
                               "(TxHxW)")
        kernel = (1,) * (2 - nd) + kernel
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")


def _check_bias(bias, weight, channels: int, transposed: bool) -> None:
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != channels):
        lead = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(f"{lead} of size {list(weight.shape)}, expected bias to be 1-dimensional with {channels} "
                           f"elements, but got bias of size {list(bias.shape)} instead")


def _same_pads(kernel: tuple, dilation: tuple) -> tuple:
    """``padding='same'``: the total ``dilation * (k - 1)``, the odd one out going on the right (as PyTorch)."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))


# Arguments already checked, by everything the checks read: a layer called again on same-shaped input skips them
# (they cost as much as the convolution itself for one small image).
_CHECKED: dict = {}


def _conv(nd: int, input, weight, bias, stride, padding, dilation, groups):
    input, weight, bias = lower_precision(input, weight, bias)
    try:
        key = (nd, input.shape, input._data.dtype, weight.shape, weight._data.dtype,
               None if bias is None else (bias.shape, bias._data.dtype), stride, padding, dilation, groups)
        args = _CHECKED.get(key)
    except TypeError:  # unhashable arguments (lists): check every time
        key = args = None
    if args is None:
        args = _check_conv(nd, input, weight, bias, stride, padding, dilation, groups)
        if key is not None and len(_CHECKED) < 1024:
            _CHECKED[key] = args
    batched, stride, pads, dilation, groups = args
    if not batched:
        input = input.unsqueeze(0)
    out = ConvolutionBackward0.apply(input, weight, bias, False, None, stride, pads, dilation, groups)
    return out if batched else out.squeeze(0)


def _check_conv(nd: int, input, weight, bias, stride, padding, dilation, groups) -> tuple:
    """PyTorch's errors for bad convolution arguments; else (batched, stride, pads, dilation, groups) normalized."""
    fname = f"conv{nd}d"
    batched = _check_input_rank(input, nd, fname)
    _check_weight_rank(weight, stride, nd)
    stride = _expand(stride, nd, "stride")
    dilation = _expand(dilation, nd, "dilation")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _expand(padding, nd, "padding"))
        if any(p < 0 for p, _ in pads):
            raise RuntimeError("negative padding is not supported")
    _check_dtypes(input, weight, bias)
    _check_common(weight, stride, dilation, groups, nd)
    shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    expected = weight.shape[1] * groups
    if shape[1] != expected:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(shape)} to have {expected} channels, but got {shape[1]} channels instead")
    _check_bias(bias, weight, weight.shape[0], False)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(shape[2:], pads))
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < k for p, k in zip(padded, dilated)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, dilated))}). Kernel size can't be greater than actual input size")
    return batched, stride, pads, dilation, int(groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D convolution (cross-correlation) over ``(N, C_in, L)``; weight ``(C_out, C_in / groups, kW)``."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D convolution over ``(N, C_in, H, W)``; weight ``(C_out, C_in / groups, kH, kW)``.

    ``padding`` is an int, a tuple, ``'valid'`` or ``'same'``; integer tensors convolve exactly (as PyTorch).
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """3-D convolution over ``(N, C_in, D, H, W)``; weight ``(C_out, C_in / groups, kD, kH, kW)``."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


_AXES = ("depth", "height", "width")


def _conv_transpose(nd: int, input, weight, bias, stride, padding, output_padding, groups, dilation):
    input, weight, bias = lower_precision(input, weight, bias)
    fname = f"conv_transpose{nd}d"
    batched = _check_input_rank(input, nd, fname)
    if isinstance(padding, str):
        raise TypeError(f"{fname}(): argument 'padding' (position 5) must be tuple of ints, but found element of "
                        "type str at pos 0")
    _check_weight_rank(weight, stride, nd)
    stride = _expand(stride, nd, "stride")
    dilation = _expand(dilation, nd, "dilation")
    padding = _expand(padding, nd, "padding")
    output_padding = _expand(output_padding, nd, "output_padding")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    _check_dtypes(input, weight, bias)
    _check_common(weight, stride, dilation, groups, nd)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        # conv_transpose1d runs as a 2-D one of height 1, and says so
        lead = 2 - nd if nd == 1 else 0
        values = {"output_padding": (0,) * lead + output_padding, "stride": (1,) * lead + stride,
                  "dilation": (1,) * lead + dilation}
        names = _AXES[3 - nd - lead:]
        parts = [f"{kind}_{axis}: {v}" for kind, vs in values.items() for axis, v in zip(names, vs)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    if not batched:
        input = input.unsqueeze(0)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[0]} channels, but got {input.shape[1]} "
                           "channels instead")
    _check_bias(bias, weight, weight.shape[1] * groups, True)
    kernel = tuple(weight.shape[2:])
    size = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1
                 for i, s, p, d, k, op in zip(input.shape[2:], stride, padding, dilation, kernel, output_padding))
    if any(s <= 0 for s in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, input.shape[2:]))}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, size))}). Output size is too small")
    # as the adjoint of a convolution of an input of `size`: the output padding is extra room on the right
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    out = ConvolutionBackward0.apply(input, weight, bias, True, size, stride, pads, dilation, int(groups))
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """Transposed 1-D convolution; weight ``(C_in, C_out / groups, kW)``."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """Transposed 2-D convolution ("deconvolution"); weight ``(C_in, C_out / groups, kH, kW)``.

    Output size ``(H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1``.
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """Transposed 3-D convolution; weight ``(C_in, C_out / groups, kD, kH, kW)``."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# -- unfold / fold ---------------------------------------------------------------------------------------------
class Im2ColBackward0(Op):
    """``F.unfold``: ``(N, C, H, W) -> (N, C * kH * kW, L)``; its adjoint is ``Col2ImBackward0``."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pads, dilation):
        ctx.meta = (tuple(x.shape[2:]), kernel, stride, pads, dilation)
        return _unfold(x, kernel, stride, pads, dilation)

    @staticmethod
    def backward(ctx, g):
        return (Col2ImBackward0.apply(g, *ctx.meta),) + (None,) * 4


class Col2ImBackward0(Op):
    """``F.fold``: sums ``(N, C * kH * kW, L)`` blocks into ``(N, C, *size)``; its adjoint is ``Im2ColBackward0``."""

    @staticmethod
    def forward(ctx, cols, size, kernel, stride, pads, dilation):
        ctx.meta = (kernel, stride, pads, dilation)
        return _fold(cols, size, kernel, stride, pads, dilation)

    @staticmethod
    def backward(ctx, g):
        return (Im2ColBackward0.apply(g, *ctx.meta),) + (None,) * 5


def _fold_args(kernel_size, dilation, padding, stride) -> tuple:
    kernel = _pair_arg(kernel_size, "kernel_size")
    dilation = _pair_arg(dilation, "dilation")
    padding = _pair_arg(padding, "padding")
    stride = _pair_arg(stride, "stride")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                           f"stride_width: {stride[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    return kernel, dilation, tuple((p, p) for p in padding), stride


def _pair_arg(value, name: str) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _check_float(input, name: str) -> None:
    if not is_real_floating(input._data.dtype):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_type_name(input._data.dtype)}'")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: ``(N, C, H, W) -> (N, C * prod(kernel_size), L)`` (L = number of blocks)."""
    if input.ndim not in (3, 4) or 0 in input.shape[1:]:
        if input.ndim == 2:
            raise IndexError("Dimension out of range (expected to be in range of [-2, 1], but got 2)")
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    kernel, dilation, pads, stride = _fold_args(kernel_size, dilation, padding, stride)
    _check_float(input, "im2col_out_cpu")
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    out = out_size(tuple(x.shape[2:]), kernel, stride, pads, dilation)
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={tuple(p for p, _ in pads)}, calculated shape of the array "
                           f"of sliding blocks as {out}, but its components must be at least one.")
    cols = Im2ColBackward0.apply(x, kernel, stride, pads, dilation)
    return cols if batched else cols.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding local blocks into a tensor, summing overlaps: the adjoint of ``unfold``."""
    if input.ndim not in (2, 3) or 0 in input.shape[1:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    size = _pair_arg(output_size, "output_size")
    kernel, dilation, pads, stride = _fold_args(kernel_size, dilation, padding, stride)
    _check_float(input, "col2im_out_cpu")
    batched = input.ndim == 3
    x = input if batched else input.unsqueeze(0)
    if x.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={kernel}.")
    blocks = out_size(size, kernel, stride, pads, dilation)
    if blocks[0] * blocks[1] != x.shape[2] or any(b < 1 for b in blocks):
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={tuple(p for p, _ in pads)}, stride={stride}, expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    out = Col2ImBackward0.apply(x, size, kernel, stride, pads, dilation)
    return out if batched else out.squeeze(0)


def assert_int_or_pair(arg, arg_name: str, message: str) -> None:
    """Raise ``AssertionError(message.format(arg_name))`` unless ``arg`` is an int or a pair (fold's helper)."""
    if not (isinstance(arg, int) or len(arg) == 2):
        raise AssertionError(message.format(arg_name))


def conv_tbc(input, weight, bias, pad: int = 0):
    """A 1-d convolution in (time, batch, channels) layout: ``weight`` is (kernel, in, out), ``bias`` (out,)."""
    if input.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.")
    if bias.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    return conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad).permute(2, 0, 1)
