"""Binary pointwise math with broadcasting: atan2, hypot, logaddexp, logaddexp2, xlogy, fmod, copysign, fmax,
fmin, ldexp, float_power (values and gradients), and gcd, lcm, nextafter, heaviside (values only, as in PyTorch)."""
from __future__ import annotations

import builtins

import numpy as np

from .._dtype import _type_name, complex128, float64
from .._tensor import wrap
from ..autograd.function import Op
from ._util import broadcast_error, promote_operands, sum_to


def _shape(x) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


class _Binary(Op):
    """``out = f(a, b)``; subclasses give ``_np`` and ``_grads(g, a, b, out) -> (ga, gb)`` on Tensors."""

    _np = None

    @classmethod
    def forward(cls, ctx, a, b):
        with np.errstate(all="ignore"):  # NaN and inf results come silently, as in PyTorch
            out = cls._np(a, b)
        ctx.save_for_backward(a, b, out)
        ctx.shapes = (_shape(a), _shape(b))
        return out

    @classmethod
    def backward(cls, ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga, gb = cls._grads(g, a, b, out, need)
        return (sum_to(ga, ctx.shapes[0]) if need[0] else None, sum_to(gb, ctx.shapes[1]) if need[1] else None)


class Atan2Backward0(_Binary):
    _np = staticmethod(np.arctan2)

    @staticmethod
    def _grads(g, a, b, out, need):
        denom = a * a + b * b
        origin = denom == 0  # the origin (or an underflow): gradient 0, as in PyTorch
        recip = denom.masked_fill(origin, 1).reciprocal().masked_fill(origin, 0)
        return g * b * recip, g * -a * recip


class HypotBackward0(_Binary):
    _np = staticmethod(np.hypot)

    @staticmethod
    def _grads(g, a, b, out, need):
        return g * a / out, g * b / out


class LogaddexpBackward0(_Binary):
    _np = staticmethod(np.logaddexp)

    @staticmethod
    def _grads(g, a, b, out, need):
        return g * (a - out).exp(), g * (b - out).exp()


class Logaddexp2Backward0(_Binary):
    _np = staticmethod(np.logaddexp2)

    @staticmethod
    def _grads(g, a, b, out, need):
        return g * (a - out).exp2(), g * (b - out).exp2()


def _xlogy(a, b):
    out = a * np.log(b)
    # 0 * log(y) is 0 for every y but NaN (PyTorch's xlogy)
    return np.where((a == 0) & ~np.isnan(b), np.zeros((), out.dtype), out)


class XlogyBackward0(_Binary):
    _np = staticmethod(_xlogy)

    @staticmethod
    def _grads(g, a, b, out, need):
        # PyTorch's formula: log(other), but 0 where self is 0 and other <= 0
        ga = xlogy(g, b).masked_fill((a == 0) & (b <= 0), 0.0) if need[0] else None
        return ga, (g * a / b if need[1] else None)


class XlogyBackward1(XlogyBackward0):
    """``xlogy(number, tensor)``."""


class XlogyBackward2(XlogyBackward0):
    """``xlogy(tensor, number)``."""


def _binary(op, name: str, input, other, float_result: bool = True):
    """``op`` on the operands promoted to their common dtype (a float one unless ``float_result`` is False)."""
    if not hasattr(input, "_data") and not hasattr(other, "_data"):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b, dt = promote_operands(input, other, float_result=float_result)
    # a Python number operand joins as a 0-d array of the result dtype (NumPy would make it float64)
    a = a if hasattr(a, "_data") else np.asarray(a, dtype=dt)
    b = b if hasattr(b, "_data") else np.asarray(b, dtype=dt)
    try:
        return op.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(_shape(a), _shape(b)) from None
        raise


def atan2(input, other):
    """Elementwise ``atan(input / other)`` in the quadrant of (other, input)."""
    return _binary(Atan2Backward0, "atan2", input, other)


arctan2 = atan2


def hypot(input, other):
    """Elementwise ``sqrt(input**2 + other**2)``."""
    return _binary(HypotBackward0, "hypot", input, other)


def logaddexp(input, other):
    """Elementwise ``log(exp(input) + exp(other))`` without overflow."""
    return _binary(LogaddexpBackward0, "logaddexp", input, other)


def logaddexp2(input, other):
    """Elementwise ``log2(2**input + 2**other)`` without overflow."""
    return _binary(Logaddexp2Backward0, "logaddexp2", input, other)


def xlogy(input, other):
    """Elementwise ``input * log(other)``, 0 where input is 0 (unless other is NaN)."""
    op = XlogyBackward0 if hasattr(input, "_data") and hasattr(other, "_data") else (
        XlogyBackward2 if hasattr(input, "_data") else XlogyBackward1)
    return _binary(op, "xlogy", input, other)


class FmodBackward1(_Binary):
    """``fmod(a, b)``: the remainder with the sign of ``a`` (C's fmod)."""
    _np = staticmethod(np.fmod)

    @staticmethod
    def _grads(g, a, b, out, need):
        return g, (g * -(a / b).trunc() if need[1] else None)


class FmodBackward0(FmodBackward1):
    """``fmod(tensor, number)``."""


class CopysignBackward0(_Binary):
    _np = staticmethod(np.copysign)

    @staticmethod
    def _grads(g, a, b, out, need):
        # d|a| sign(b) / da: sign(a) sign(b), written on out = copysign(a, b); 0 where a is 0
        return g * (out / a.masked_fill(a == 0, 1.0)).masked_fill(a == 0, 0.0), g * 0


class FmaxBackward0(_Binary):
    """``fmax``: the larger, a NaN losing to a number; ties give the gradient to ``a``."""
    _np = staticmethod(np.fmax)

    @staticmethod
    def _grads(g, a, b, out, need):
        to_a = (a >= b) | b.isnan()
        return g * to_a, g * to_a.logical_not()


class FminBackward0(_Binary):
    """``fmin``: the smaller, a NaN losing to a number; ties give the gradient to ``a``."""
    _np = staticmethod(np.fmin)

    @staticmethod
    def _grads(g, a, b, out, need):
        to_a = (a <= b) | b.isnan()
        return g * to_a, g * to_a.logical_not()


def fmod(input, other):
    """Elementwise remainder of ``input / other`` with the sign of ``input``."""
    return _binary(FmodBackward1 if hasattr(other, "_data") else FmodBackward0, "fmod", input, other, False)


def copysign(input, other):
    """Elementwise ``|input|`` with the sign of ``other``."""
    return _binary(CopysignBackward0, "copysign", input, other)


def fmax(input, other):
    """Elementwise maximum that ignores NaN (the other value wins)."""
    return _binary(FmaxBackward0, "fmax", input, other, False)


def fmin(input, other):
    """Elementwise minimum that ignores NaN (the other value wins)."""
    return _binary(FminBackward0, "fmin", input, other, False)


def _no_grad_binary(np_fn, name: str, ints_only: bool = False):
    def fn(input, other):
        a, b, dt = promote_operands(input, other)
        if ints_only and dt.kind not in "iub":
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_type_name(dt)}\'')
        arrays = [x._data if hasattr(x, "_data") else np.asarray(x, dtype=dt) for x in (a, b)]
        return wrap(np.asarray(np_fn(*arrays)).astype(dt, copy=False))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (no gradient, as in PyTorch)."
    return fn


gcd = _no_grad_binary(np.gcd, "gcd", ints_only=True)
lcm = _no_grad_binary(np.lcm, "lcm", ints_only=True)
nextafter = _no_grad_binary(np.nextafter, "nextafter")


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, ``values`` where input is 0 (PyTorch has no derivative for it)."""
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return wrap(np.asarray(np.heaviside(input._data, values._data)).astype(input._data.dtype, copy=False))


def ldexp(input, other):
    """``input * 2 ** other``."""
    return input * (2.0 ** other if not hasattr(other, "_data") else other.exp2())


def float_power(input, exponent):
    """``input ** exponent`` in double precision (complex128 when an operand is complex)."""
    complex_ = any(hasattr(x, "_data") and x._data.dtype.kind == "c" or isinstance(x, builtins.complex)
                   for x in (input, exponent))
    wide = complex128 if complex_ else float64
    base = input.to(wide) if hasattr(input, "_data") else wrap(np.asarray(input, dtype=wide.np))
    return base ** (exponent.to(wide) if hasattr(exponent, "_data") else exponent)
