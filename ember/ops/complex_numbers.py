"""Complex numbers: real, imag, view_as_real, view_as_complex, complex, polar, angle, conj.

Gradients follow PyTorch's convention for complex tensors: the gradient of a real loss L with respect to z is
``dL/d(re z) + i dL/d(im z)`` (the conjugate Wirtinger derivative, times 2). ``real`` and ``imag`` are views, as
in PyTorch, built as a ``select`` of ``view_as_real``.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._dtype import _type_name, is_floating, is_real_floating
from ..autograd.function import Op
from ._util import broadcast_error, sum_to
from .shape import select

__all__ = ["real", "imag", "view_as_real", "view_as_complex", "complex", "polar", "angle", "conj", "conj_physical",
           "resolve_conj", "is_complex"]


class ViewAsRealBackward0(Op):
    """A complex tensor seen as real pairs: shape ``(*, 2)``, sharing its storage."""

    _is_view = True

    @staticmethod
    def forward(ctx, z):
        half = z.itemsize // 2
        return as_strided(z.real, z.shape + (2,), z.strides + (half,), writeable=z.flags.writeable)

    @staticmethod
    def backward(ctx, g):
        return view_as_complex(g.contiguous())


class ViewAsComplexBackward0(Op):
    """Real pairs (last dim of size 2, stride 1) seen as complex numbers, sharing the storage."""

    _is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view(np.result_type(x.dtype, np.complex64))[..., 0]

    @staticmethod
    def backward(ctx, g):
        return view_as_real(g)


def view_as_real(input):
    """The real and imaginary parts of a complex tensor as a last dim of size 2 (a view)."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsRealBackward0.apply(input)


def view_as_complex(input):
    """A real tensor whose last dim (size 2, stride 1) holds real and imaginary parts, as a complex view."""
    data = input._data
    if data.dtype not in (np.float32, np.float64):
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor of "
                           f"scalar type: {_type_name(data.dtype)}")
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if data.strides[-1] != data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * data.itemsize) for s in data.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return ViewAsComplexBackward0.apply(input)


def real(input):
    """The real part (a view of a complex tensor; a real tensor itself)."""
    return select(view_as_real(input), -1, 0) if input._data.dtype.kind == "c" else input


def imag(input):
    """The imaginary part of a complex tensor (a view)."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return select(view_as_real(input), -1, 1)


def is_complex(input) -> bool:
    """True for a tensor of complex dtype."""
    return input._data.dtype.kind == "c"


class ComplexBackward0(Op):
    """``real + i imag`` (broadcast); the parts' gradients are the gradient's real and imaginary parts."""

    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, im.shape)
        out = np.empty(np.broadcast_shapes(re.shape, im.shape), dtype=np.result_type(re.dtype, np.complex64))
        out.real, out.imag = re, im
        return out

    @staticmethod
    def backward(ctx, g):
        re_shape, im_shape = ctx.shapes
        return sum_to(real(g), re_shape), sum_to(imag(g), im_shape)


def _check_pair(a, b) -> None:
    da, db = a._data.dtype, b._data.dtype
    if not is_real_floating(da) or not is_real_floating(db):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {_type_name(da)} and "
                           f"{_type_name(db)}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {_type_name(da)} but got scalar type {_type_name(db)} "
                           "for second argument")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(tuple(a.shape), tuple(b.shape)) from None


def complex(real, imag):
    """The complex tensor ``real + i imag`` from two real tensors of the same dtype."""
    _check_pair(real, imag)
    return ComplexBackward0.apply(real, imag)


class PolarBackward0(Op):
    """``abs * (cos(angle) + i sin(angle))``; ``g_abs = Re(g conj(e^{i angle}))``, ``g_angle = Im(conj(z) g)``."""

    @staticmethod
    def forward(ctx, r, theta):
        ctx.shapes = (r.shape, theta.shape)
        out = np.empty(np.broadcast_shapes(r.shape, theta.shape), dtype=np.result_type(r.dtype, np.complex64))
        out.real, out.imag = r * np.cos(theta), r * np.sin(theta)
        ctx.save_for_backward(theta, out)
        return out

    @staticmethod
    def backward(ctx, g):
        theta, z = ctx.saved_tensors
        r_shape, t_shape = ctx.shapes
        unit = complex(theta.cos(), theta.sin())
        g_r = real(g * conj(unit)) if ctx.needs_input_grad[0] else None
        g_t = imag(conj(z) * g) if ctx.needs_input_grad[1] else None
        return (None if g_r is None else sum_to(g_r, r_shape)), (None if g_t is None else sum_to(g_t, t_shape))


def polar(abs, angle):
    """The complex tensor with modulus ``abs`` and argument ``angle``."""
    _check_pair(abs, angle)
    return PolarBackward0.apply(abs, angle)


class AngleBackward0(Op):
    """The argument of each element (0 or pi for real input); gradient ``g i z / |z|^2`` (zero at 0 and for real
    input)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.angle(x)
        return out.astype(x.real.dtype, copy=False) if is_floating(x.dtype) else out.astype(np.float32)

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        if z._data.dtype.kind != "c":
            return g * 0
        mag2 = z.abs() ** 2
        safe = mag2.masked_fill(mag2 == 0, 1)
        # (division would promote to a real dtype: the real factor is divided first)
        return ((g / safe) * z * 1j).masked_fill(mag2 == 0, 0)


def angle(input):
    """The element-wise argument (phase), in radians."""
    return AngleBackward0.apply(input)


class ConjBackward0(Op):
    """The complex conjugate; its gradient is the gradient's conjugate."""

    @staticmethod
    def forward(ctx, z):
        return np.conj(z)

    @staticmethod
    def backward(ctx, g):
        return conj(g)


class ConjPhysicalBackward0(ConjBackward0):
    """``conj_physical``: the conjugate always materialised (ember's ``conj`` is materialised too)."""


def conj(input):
    """The complex conjugate (a real tensor is returned as it is)."""
    return ConjBackward0.apply(input) if input._data.dtype.kind == "c" else input


def conj_physical(input):
    """The complex conjugate, computed into new memory."""
    return ConjPhysicalBackward0.apply(input) if input._data.dtype.kind == "c" else input.clone()


def resolve_conj(input):
    """``input`` with any lazy conjugation applied: ember conjugates eagerly, so ``input`` itself."""
    return input
