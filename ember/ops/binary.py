"""Binary pointwise math with broadcasting: atan2, hypot, logaddexp, logaddexp2, xlogy (values and gradients)."""
from __future__ import annotations

import numpy as np

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


def _binary(op, name: str, input, other):
    if not hasattr(input, "_data") and not hasattr(other, "_data"):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b, dt = promote_operands(input, other, float_result=True)
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
