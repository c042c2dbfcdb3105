"""Resampling ops: ``interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and the
``upsample*`` aliases (the shuffles live in ``shuffle``).

Every interpolation mode is separable and linear: along each spatial axis the output is ``W @ x`` for a small
(out, in) matrix ``W`` that holds the mode's taps with PyTorch's source-index rules. One ``Op`` applies those
matrices axis by axis; its backward applies the transposed matrices with the same Op, so the gradient is itself
differentiable. Nearest modes gather in the forward (exact, also for inf and nan).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._dtype import _type_name, is_real_floating
from ...autograd.function import Op

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEEDS_DIM = {"linear": 3, "bilinear": 4, "trilinear": 5}
_KERNEL = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
           "trilinear": "Trilinear", "bicubic": "Bicubic"}
# -- the (out, in) matrix of each mode ---------------------------------------------------------------------------

def _inverse_scale(dt, in_size: int, out_size: int, scale: float | None):
    """PyTorch's compute_scales_value: 1 / scale_factor when one was given, else in / out (in the op's dtype)."""
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(in_size) / dt(out_size)


def _nearest_index(in_size: int, out_size: int, scale: float | None, exact: bool, shortcut: bool) -> np.ndarray:
    """Source index of each output position; PyTorch computes these in float32 whatever the input dtype.

    PyTorch's 2D nearest kernel and every nearest backward kernel copy (out == in) or halve (out == 2 * in,
    not nearest-exact) the index whatever the scale factor; the 1D and 3D forward kernels do not.
    ``shortcut`` copies that difference.
    """
    dst = np.arange(out_size)
    if shortcut and out_size == in_size:
        return dst
    if shortcut and not exact and out_size == 2 * in_size:
        return dst >> 1
    s = _inverse_scale(np.float32, in_size, out_size, scale)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _source_position(dt, in_size: int, out_size: int, scale, align_corners: bool, cubic: bool) -> np.ndarray:
    """Real-valued source coordinate of each output position (area_pixel_compute_source_index)."""
    dst = np.arange(out_size).astype(dt)
    if align_corners:
        ratio = dt(in_size - 1) / dt(out_size - 1) if out_size > 1 else dt(0)
        return ratio * dst
    ratio = _inverse_scale(dt, in_size, out_size, scale)
    src = ratio * (dst + dt(0.5)) - dt(0.5)
    return src if cubic else np.maximum(src, dt(0))


def _linear_matrix(dt, in_size: int, out_size: int, scale, align_corners: bool) -> np.ndarray:
    w = np.zeros((out_size, in_size), dtype=dt)
    rows = np.arange(out_size)
    if out_size == in_size:
        w[rows, rows] = 1
        return w
    src = _source_position(dt, in_size, out_size, scale, align_corners, cubic=False)
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = i0 + (i0 < in_size - 1)
    lam1 = np.clip(src - i0.astype(dt), dt(0), dt(1))
    np.add.at(w, (rows, i0), dt(1) - lam1)
    np.add.at(w, (rows, i1), lam1)
    return w


def _cubic_matrix(dt, in_size: int, out_size: int, scale, align_corners: bool) -> np.ndarray:
    a = dt(-0.75)
    src = _source_position(dt, in_size, out_size, scale, align_corners, cubic=True)
    i = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    t = np.clip(src - i.astype(dt), dt(0), dt(1))

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    coeffs = (far(t + 1), near(t), near(1 - t), far(2 - t))
    w = np.zeros((out_size, in_size), dtype=dt)
    rows = np.arange(out_size)
    for k, c in enumerate(coeffs):
        np.add.at(w, (rows, np.clip(i - 1 + k, 0, in_size - 1)), c)
    return w


def _area_matrix(dt, in_size: int, out_size: int) -> np.ndarray:
    """Adaptive average pooling: output o averages input [floor(o*in/out), ceil((o+1)*in/out))."""
    w = np.zeros((out_size, in_size), dtype=dt)
    o = np.arange(out_size)
    start = o * in_size // out_size
    end = -(-(o + 1) * in_size // out_size)
    cols = np.arange(in_size)
    mask = (cols >= start[:, None]) & (cols < end[:, None])
    w[mask] = np.repeat((1 / (end - start)).astype(dt), end - start)
    return w


def _onehot(idx: np.ndarray, in_size: int, dt) -> np.ndarray:
    w = np.zeros((idx.size, in_size), dtype=dt)
    w[np.arange(idx.size), idx] = 1
    return w


# -- the op -----------------------------------------------------------------------------------------------------

def _apply_axis(x: np.ndarray, step, axis: int) -> np.ndarray:
    """Apply one axis step: ``("take", idx)`` gathers, ``("mat", W)`` contracts the axis with W (out, in)."""
    kind, value = step
    if kind == "take":
        return np.take(x, value, axis=axis)
    if axis == x.ndim - 1:
        out = x.reshape(-1, x.shape[-1]) @ value.T
        return out.reshape(x.shape[:-1] + (value.shape[0],))
    lead = math.prod(x.shape[:axis])
    rest = math.prod(x.shape[axis + 1:])
    out = np.matmul(value, x.reshape(lead, x.shape[axis], rest))
    return out.reshape(x.shape[:axis] + (value.shape[0],) + x.shape[axis + 1:])


class _Resample(Op):
    """Separable resampling of the trailing spatial axes.

    ``steps`` holds one ``(kind, value)`` per axis; ``adjoint`` optionally holds, per axis, the step whose
    transpose the backward applies (None: the forward step's). They differ only where PyTorch's backward
    kernels take an index shortcut that the forward kernels do not (out == in, out == 2 * in).
    The node classes come from ``_named_op``; ``_grad_op`` is the one of the gradient.
    """

    _grad_op: type

    @staticmethod
    def forward(ctx, x, *, steps, adjoint=None):
        first = x.ndim - len(steps)
        ctx.meta = (adjoint or steps, x.shape[first:])
        out = x
        # the axis order matters only for speed: shrink first, grow last
        order = sorted(range(len(steps)), key=lambda i: _out_len(steps[i]) / max(x.shape[first + i], 1))
        for i in order:
            out = _apply_axis(out, steps[i], first + i)
        return out

    @staticmethod
    def backward(ctx, g):
        steps, in_shape = ctx.meta
        dt = g._data.dtype
        back = tuple(("mat", (_onehot(v, n, dt) if k == "take" else v.astype(dt, copy=False)).T)
                     for (k, v), n in zip(steps, in_shape))
        return type(ctx)._grad_op.apply(g, steps=back)


def _out_len(step) -> int:
    kind, value = step
    return value.size if kind == "take" else value.shape[0]


_OPS: dict = {}


def _named_op(kernel: str) -> type:
    """The Op of ``kernel`` (``UpsampleNearest2D``, ...) under PyTorch's node name ``{kernel}Backward0``; the node
    of its gradient is the ``{kernel}BackwardBackward0`` twin, whose own gradient is the Op again."""
    if kernel not in _OPS:
        op = type(kernel + "Backward0", (_Resample,), {"__module__": __name__})
        op._grad_op = type(kernel + "BackwardBackward0", (_Resample,), {"__module__": __name__, "_grad_op": op})
        _OPS[kernel] = op
    return _OPS[kernel]


# -- interpolate ------------------------------------------------------------------------------------------------

def _size_error(in_sizes, out_sizes) -> RuntimeError:
    names = ("W",) if len(in_sizes) == 1 else ("H", "W") if len(in_sizes) == 2 else ("D", "H", "W")

    def fmt(sizes):
        return ", ".join(f"{n}: {s}" for n, s in zip(names, sizes))

    joiner = " and output " if len(in_sizes) == 1 else " output "
    return RuntimeError(f"Input and output sizes should be greater than 0, but got input ({fmt(in_sizes)})"
                        f"{joiner}({fmt(out_sizes)})")


def _output_sizes(input, size, scale_factor, dim: int):
    """Normalise size / scale_factor as F.interpolate does: (output_size or None, scale_factors or None)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            if not all(isinstance(s, (int, np.integer)) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            return [int(s) for s in size], None
        if not isinstance(size, (int, np.integer)):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int],"
                            f" but got size with types [{type(size)}]")
        return [int(size)] * dim, None
    if scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            return None, [float(s) for s in scale_factor]
        return None, [float(scale_factor)] * dim
    raise ValueError("either size or scale_factor should be defined")


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False):
    """Resample the spatial dims of (N, C, *spatial) to ``size`` or ``floor(in * scale_factor)``.

    Modes: nearest, nearest-exact (3-5D), linear (3D), bilinear / bicubic (4D), trilinear (5D), area (adaptive
    average pooling). ``align_corners`` maps corner pixel centres onto each other (interpolating modes only).
    Without ``recompute_scale_factor`` a given scale_factor (not out / in) sets the source coordinates.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    output_size, scales = _output_sizes(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor and scales is not None:
        output_size = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         "as input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in ember")
    if mode in _NEEDS_DIM and input.ndim in (3, 4, 5) and input.ndim != _NEEDS_DIM[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_NEEDS_DIM[mode]}D input")
    if mode not in _MODES or not 3 <= input.ndim <= 5 or (mode == "bicubic" and input.ndim != 4):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    in_sizes = list(input.shape[2:])
    if output_size is None:
        output_size = [math.floor(n * s) for n, s in zip(in_sizes, scales)]
    scales = scales or [None] * dim
    dtype = input._data.dtype
    if not is_real_floating(dtype):
        kernel = "nearest" if mode.startswith("nearest") else "linear" if mode != "bicubic" else "cubic"
        raise NotImplementedError(f'"compute_indices_weights_{kernel}" not implemented for '
                                  f"'{_type_name(dtype)}'")
    if mode == "area":
        return _area(input, output_size)
    if min(in_sizes + output_size) <= 0:
        raise _size_error(in_sizes, output_size)
    dt = dtype.type
    steps, adjoint = [], []
    for n_in, n_out, s in zip(in_sizes, output_size, scales):
        if mode in ("nearest", "nearest-exact"):
            exact = mode == "nearest-exact"
            steps.append(("take", _nearest_index(n_in, n_out, s, exact, shortcut=not exact and dim == 2)))
            adjoint.append(("take", _nearest_index(n_in, n_out, s, exact, shortcut=True)))
        elif mode == "bicubic":
            steps.append(("mat", _cubic_matrix(dt, n_in, n_out, s, align_corners)))
            adjoint.append(("take", np.arange(n_in)) if n_in == n_out else steps[-1])
        else:
            steps.append(("mat", _linear_matrix(dt, n_in, n_out, s, align_corners)))
            adjoint.append(steps[-1])
    return _named_op(f"Upsample{_KERNEL[mode]}{dim}D").apply(input, steps=tuple(steps), adjoint=tuple(adjoint))


def _area(input, output_size):
    """Adaptive average pooling (what interpolate's area mode is); 1D goes through the 2D kernel as in PyTorch."""
    dt = input._data.dtype.type
    if input.ndim == 3:
        out = _area(input.unsqueeze(-2), [1] + list(output_size))
        return out.squeeze(-2)
    steps = tuple(("mat", _area_matrix(dt, n_in, n_out)) for n_in, n_out in zip(input.shape[2:], output_size))
    return _named_op(f"AdaptiveAvgPool{input.ndim - 2}D").apply(input, steps=steps)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None):
    """Deprecated alias of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(mode="nearest")``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(mode="bilinear", align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
