"""The compiled convolution kernels (``csrc/conv2d.c``), for the cases they cover.

They are part of the optional compiled library (see ``_native``). They cover float32 2-D convolutions with unit
dilation and one group, whose output channels fill enough of a vector (``_fills_vectors``), at any stride: a
strided input gradient (a transposed convolution) is split into one unit-stride convolution per phase of the stride
(``_strided_input_grad``). Everything else, and every case when the library is absent, takes the NumPy kernels of
``conv_im2col`` (``conv`` decides).

Why compiled code: NumPy's GEMM on a convolution's long, narrow column matrices (``16384 x 800 @ 800 x 32``) runs
at half the speed of its square products, and the column matrix itself is 25 times the input. The direct kernel
reads the channels-last input in place and keeps each output tile in registers, close to PyTorch's convolution
speed (the benchmarks' conv rows show it).
"""
from __future__ import annotations

import numpy as np

from .conv_common import _scratch
from . import native as _native
from .native import lib as _lib, ptr as _ptr

# Lanes of the vectors the library was compiled for (16 with AVX-512): output channels are padded to a multiple.
_VECTOR = _lib.ember_vector_length() if _lib is not None else 1
# int64s per run of output positions in the forward kernel's scratch
_RUN_LONGS = _lib.ember_conv2d_run_longs() if _lib is not None else 0


def _lanes(channels: int) -> int:
    return -(-channels // _VECTOR) * _VECTOR


def _fills_vectors(channels: int) -> bool:
    """A quarter of the padded output channels or more would be real ones. Measured with 16 lanes: 6 channels (a
    third) still run faster than the NumPy kernels, 3 (the input gradient of an RGB layer) slower."""
    return 4 * channels >= _lanes(channels)


# Output channels few enough for the kernel that vectorises along the reduction instead (``_narrow``).
_NARROW_MAX = 4


def _narrow(channels: int, reduction: int) -> bool:
    """Too few output channels to fill a quarter of a vector, but few enough for the dot-product kernel, whose
    reduction (``kw * C`` floats per kernel row) fills at least one vector: the input gradient of an RGB layer
    (3 channels) then runs compiled, faster than on NumPy."""
    return not _fills_vectors(channels) and channels <= _NARROW_MAX and reduction >= _VECTOR


def _plain(x: np.ndarray, w: np.ndarray, pads: tuple, dilation: tuple, groups: int) -> bool:
    """float32, 2-D, unit dilation, one group, no cropping: what every compiled kernel requires (any stride)."""
    return (_native.enabled and x.dtype == np.float32 and w.dtype == np.float32 and x.ndim == 4 and groups == 1
            and dilation == (1, 1) and all(lo >= 0 and hi >= 0 for lo, hi in pads))


def takes_forward(x: np.ndarray, w: np.ndarray, stride: tuple, pads: tuple, dilation: tuple, groups: int) -> bool:
    """Whether ``forward`` computes this convolution."""
    if not _plain(x, w, pads, dilation, groups):
        return False
    o, c, _, kw = w.shape
    return _fills_vectors(o) or _narrow(o, kw * c)


def takes_weight_grad(x: np.ndarray, g: np.ndarray, stride: tuple, pads: tuple, dilation: tuple, groups: int,
                      out_channels: int) -> bool:
    """Whether ``weight_grad`` computes the weight gradient of a convolution with ``out_channels`` outputs."""
    return _plain(x, g, pads, dilation, groups) and _fills_vectors(out_channels)


def _padded_nhwc(x: np.ndarray, pads: tuple, tag: str, lanes: int | None = None) -> np.ndarray:
    """``x`` (N, C, H, W, any strides) as a reused, zero-padded (N, H + top + bottom, W + left + right, lanes)
    array, the lanes past C (``lanes`` defaults to C) zero: the one copy the kernels need."""
    n, c, h, w = x.shape
    (top, bottom), (left, right) = pads
    lanes = c if lanes is None else lanes
    shape = (n, h + top + bottom, w + left + right, lanes)
    if x.dtype == np.float32 and x.flags.c_contiguous:  # the compiled copy writes the padding too
        out = _scratch(tag, shape, x.dtype)
        _lib.ember_nchw_to_padded_nhwc(_ptr(x), _ptr(out), n, c, h, w, out.shape[1], out.shape[2], top, left, lanes)
    else:
        out = _scratch(tag, shape, x.dtype, True, (top, left, h, w, c))
        out[:, top:top + h, left:left + w, :c] = x.transpose(0, 2, 3, 1)
    return out


def _pack(w: np.ndarray, lanes: int) -> np.ndarray:
    """Weight (O, C, kh, kw), any float32 view (a flipped, transposed one is read in place), as (kh, kw * C, lanes),
    the output channels zero-padded to ``lanes``."""
    o, c, kh, kw = w.shape
    out = np.empty((kh, kw, c, lanes), np.float32)
    _lib.ember_pack_conv_weight(_ptr(w), _ptr(out), o, c, kh, kw, lanes, *(s // w.itemsize for s in w.strides))
    return out.reshape(kh, kw * c, lanes)


def _to_nchw(y: np.ndarray, channels: int) -> np.ndarray:
    """The kernels' (N, H, W, lanes) float32 result as (N, channels, H, W)."""
    n, h, w, lanes = y.shape
    out = np.empty((n, channels, h, w), dtype=np.float32)
    _lib.ember_nhwc_to_nchw(_ptr(np.ascontiguousarray(y)), _ptr(out), n, h, w, lanes, channels)
    return out


def forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, pads: tuple, stride: tuple = (1, 1)) -> np.ndarray:
    """``conv_forward`` for the cases ``takes_forward`` accepts: (N, C, H, W) -> (N, O, Ho, Wo)."""
    xp = _padded_nhwc(x, pads, "native-x")
    return _to_nchw(_forward_nhwc(xp, w, bias, stride, _real(pads, x.shape)), w.shape[0])


def _real(pads: tuple, shape: tuple) -> tuple:
    """Where an input of ``shape`` (N, C, H, W) lies in its padded copy: (top, left, H, W), which the kernels take
    to skip the taps that fall on the padding."""
    return pads[0][0], pads[1][0], shape[2], shape[3]


def _forward_nhwc(xp: np.ndarray, w: np.ndarray, bias: np.ndarray | None, stride: tuple, real: tuple) -> np.ndarray:
    """The kernels' convolution of the padded channels-last ``xp``, whose real input is ``real`` (``_real``; the
    narrow kernel reads whole windows): (N, Ho, Wo, lanes), the output channels padded to whole vectors (or exactly O
    for the narrow kernel)."""
    o, c, kh, kw = w.shape
    sh, sw = stride
    n, hp, wp, _ = xp.shape
    out_shape = (n, (hp - kh) // sh + 1, (wp - kw) // sw + 1)
    if _narrow(o, kw * c):
        packed = np.ascontiguousarray(w.transpose(0, 2, 3, 1), dtype=np.float32)
        b = None if bias is None else np.ascontiguousarray(bias, dtype=np.float32)
        y = _scratch("native-y", out_shape + (o,), np.float32)
        _lib.ember_conv2d_forward_narrow(_ptr(xp), _ptr(packed), _ptr(b), _ptr(y), n, hp, wp, c, kh, kw, o, sh, sw)
        return y
    lanes = _lanes(o)
    packed = _pack(w, lanes)  # named: a temporary's memory would be freed before the call reads it
    b = None
    if bias is not None:
        b = np.zeros(lanes, np.float32)
        b[:o] = bias
    y = _scratch("native-y", out_shape + (lanes,), np.float32)
    runs = np.empty((out_shape[1] + out_shape[2] + 2) * _RUN_LONGS, np.int64)  # the kernel's runs of positions
    _lib.ember_conv2d_forward(_ptr(xp), _ptr(packed), _ptr(b), _ptr(y), n, hp, wp, c, kh, kw, lanes, sh, sw, *real,
                              _ptr(runs))
    return y


def weight_grad(x: np.ndarray, g: np.ndarray, w_shape: tuple, pads: tuple, stride: tuple = (1, 1)) -> np.ndarray:
    """``conv_weight_grad`` for the cases ``takes_weight_grad`` accepts: the (O, C, kh, kw) gradient."""
    o, c, kh, kw = w_shape
    lanes = _lanes(o)
    xp = _padded_nhwc(x, pads, "native-x")
    n, hp, wp, _ = xp.shape
    gl = _padded_nhwc(g, ((0, 0), (0, 0)), "native-g", lanes)
    gw = _scratch("native-gw", (kh, kw * c, lanes), np.float32)  # the kernel writes every entry
    _lib.ember_conv2d_weight_grad(_ptr(xp), _ptr(gl), _ptr(gw), n, hp, wp, c, kh, kw, lanes, *stride,
                                  *_real(pads, x.shape))
    out = np.empty(w_shape, np.float32)
    _lib.ember_unpack_conv_weight(_ptr(gw), _ptr(out), o, c, kh, kw, lanes)
    return out


def input_grad(g: np.ndarray, w: np.ndarray, pads: tuple, size: tuple, stride: tuple = (1, 1)) -> np.ndarray:
    """``conv_input_grad`` for the cases ``takes_input_grad`` accepts: with unit stride, the convolution of the
    output gradient, padded by ``k - 1 - pad``, with the flipped, transposed kernel."""
    if stride != (1, 1):
        return _strided_input_grad(g, w, pads, size, stride)
    kernel = w.shape[2:]
    gpads = tuple((k - 1 - lo, k - 1 - hi) for k, (lo, hi) in zip(kernel, pads))
    return forward(g, w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], None, gpads)


def _strided_input_grad(g: np.ndarray, w: np.ndarray, pads: tuple, size: tuple, stride: tuple) -> np.ndarray:
    """The input gradient of a strided convolution as ``sh * sw`` unit-stride ones, one per phase ``(bh, bw)``:
    input position ``s * a + b - pad`` collects ``sum_j w[s * j + b] * g[a - j]``, the full convolution of ``g``
    with the phase's taps ``w[..., bh::sh, bw::sw]``. ``g`` is padded channels-last once, for the largest phase
    (a smaller one's outputs start later); each phase's result goes channels-last into its strided positions, and
    the whole gradient to (N, C, H, W) in one pass. Positions no phase reaches (an output padding) stay zero."""
    n, c = g.shape[0], w.shape[1]
    largest = tuple(-(-k // s) for k, s in zip(w.shape[2:], stride))
    gpads = tuple((k - 1, k - 1) for k in largest)
    gp, real = _padded_nhwc(g, gpads, "native-phases"), _real(gpads, g.shape)
    gx = np.zeros((n,) + tuple(size) + (c,), dtype=np.float32)
    for bh in range(stride[0]):
        for bw in range(stride[1]):
            taps = w[:, :, bh::stride[0], bw::stride[1]]
            y = _forward_nhwc(gp, taps.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], None, (1, 1), real)
            target, source = [slice(None)], [slice(None)]
            for b, s, (lo, _), length, k, big, out in zip((bh, bw), stride, pads, size, taps.shape[2:], largest,
                                                          g.shape[2:]):
                first = max(0, -(-(lo - b) // s))  # the first a whose position s * a + b - lo is inside
                count = max(0, min(out + k - 1 - first, -(-(length - (s * first + b - lo)) // s)))
                target.append(slice(s * first + b - lo, s * (first + count) + b - lo, s))
                source.append(slice(big - k + first, big - k + first + count))
            gx[tuple(target)] = y[tuple(source) + (slice(0, c),)]
    return _to_nchw(gx, c)


def takes_input_grad(g: np.ndarray, w: np.ndarray, stride: tuple, pads: tuple, dilation: tuple,
                     groups: int) -> bool:
    """Whether ``input_grad`` computes this input gradient: a forward of the flipped kernel with C outputs; with
    unit stride no padding beyond ``k - 1``, with a larger one a kernel at least as large as the stride (each phase
    has taps)."""
    if not _plain(g, w, ((0, 0), (0, 0)), dilation, groups) or any(lo < 0 for lo, _ in pads):
        return False
    o, c, kh, kw = w.shape
    if stride == (1, 1):
        within = all(0 <= lo < k and 0 <= hi < k for k, (lo, hi) in zip(w.shape[2:], pads))
        return within and (_fills_vectors(c) or _narrow(c, kw * o))
    if kh < stride[0] or kw < stride[1]:
        return False
    return _fills_vectors(c) or _narrow(c, (kw // stride[1]) * o)
