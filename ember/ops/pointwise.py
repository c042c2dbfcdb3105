"""Unary elementwise ops, each defined once by its NumPy forward and its derivative in Tensor ops.

``_pointwise`` builds the Op class: forward applies the NumPy function (integer inputs are promoted to the
default float dtype, as PyTorch does), backward multiplies the incoming gradient by the derivative, written
with differentiable Tensor operations so that double backward works.
"""
from __future__ import annotations

import numpy as np

from .._dtype import get_default_dtype
from ..autograd.function import Op
from ._util import sum_to


def _pointwise(name: str, np_fn, grad_fn, saves: str = "x", float_only: bool = True):
    """Make ``fn(input)`` and its Op; ``grad_fn(g, x, y)`` gets the saved input x and/or output y."""

    def forward(ctx, x):
        y = np_fn(x)
        if saves == "x":
            ctx.save_for_backward(x)
        elif saves == "y":
            ctx.save_for_backward(y)
        else:
            ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        saved = ctx.saved_tensors
        x = saved[0] if saves in ("x", "xy") else None
        y = saved[-1] if saves in ("y", "xy") else None
        return grad_fn(g, x, y)

    op = type(name, (Op,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                            "__module__": __name__, "_name": name + "Backward0"})

    def fn(input):
        if float_only and input._data.dtype.kind != "f":
            input = input.to(get_default_dtype())
        return op.apply(input)

    fn.__name__ = name.lower()
    fn.__doc__ = f"Elementwise {name.lower()}."
    return fn, op


def _sigmoid_np(x):
    # tanh form: stable for large |x| and a single transcendental call.
    out = np.tanh(x * x.dtype.type(0.5))
    out += 1
    out *= 0.5
    return out


def _relu_np(x):
    return np.maximum(x, x.dtype.type(0))


exp, Exp = _pointwise("Exp", np.exp, lambda g, x, y: g * y, saves="y")
exp2, Exp2 = _pointwise("Exp2", np.exp2, lambda g, x, y: g * y * 0.6931471805599453, saves="y")
log, Log = _pointwise("Log", np.log, lambda g, x, y: g / x)
log2, Log2 = _pointwise("Log2", np.log2, lambda g, x, y: g / (x * 0.6931471805599453))
log10, Log10 = _pointwise("Log10", np.log10, lambda g, x, y: g / (x * 2.302585092994046))
log1p, Log1P = _pointwise("Log1P", np.log1p, lambda g, x, y: g / (x + 1))
expm1, Expm1 = _pointwise("Expm1", np.expm1, lambda g, x, y: g * (y + 1), saves="y")
sqrt, Sqrt = _pointwise("Sqrt", np.sqrt, lambda g, x, y: g / (y * 2), saves="y")
rsqrt, Rsqrt = _pointwise("Rsqrt", lambda x: 1 / np.sqrt(x), lambda g, x, y: g * y * y * y * -0.5, saves="y")
sin, Sin = _pointwise("Sin", np.sin, lambda g, x, y: g * x.cos())
cos, Cos = _pointwise("Cos", np.cos, lambda g, x, y: -g * x.sin())
tan, Tan = _pointwise("Tan", np.tan, lambda g, x, y: g * (y * y + 1), saves="y")
asin, Asin = _pointwise("Asin", np.arcsin, lambda g, x, y: g * (1 - x * x).rsqrt())
acos, Acos = _pointwise("Acos", np.arccos, lambda g, x, y: -g * (1 - x * x).rsqrt())
atan, Atan = _pointwise("Atan", np.arctan, lambda g, x, y: g / (x * x + 1))
sinh, Sinh = _pointwise("Sinh", np.sinh, lambda g, x, y: g * x.cosh())
cosh, Cosh = _pointwise("Cosh", np.cosh, lambda g, x, y: g * x.sinh())
tanh, Tanh = _pointwise("Tanh", np.tanh, lambda g, x, y: g * (1 - y * y), saves="y")
sigmoid, Sigmoid = _pointwise("Sigmoid", _sigmoid_np, lambda g, x, y: g * y * (1 - y), saves="y")
reciprocal, Reciprocal = _pointwise("Reciprocal", lambda x: 1 / x, lambda g, x, y: -g * y * y, saves="y")
relu, Relu = _pointwise("Relu", _relu_np, lambda g, x, y: g * (y > 0), saves="y", float_only=False)
abs, Abs = _pointwise("Abs", np.abs, lambda g, x, y: g * x.sign(), float_only=False)
sign, Sign = _pointwise("Sign", np.sign, lambda g, x, y: g * 0, float_only=False)
square, Square = _pointwise("Square", np.square, lambda g, x, y: g * x * 2, float_only=False)
floor, Floor = _pointwise("Floor", np.floor, lambda g, x, y: g * 0, saves="", float_only=False)
ceil, Ceil = _pointwise("Ceil", np.ceil, lambda g, x, y: g * 0, saves="", float_only=False)
round_, Round = _pointwise("Round", np.round, lambda g, x, y: g * 0, saves="", float_only=False)
trunc, Trunc = _pointwise("Trunc", np.trunc, lambda g, x, y: g * 0, saves="", float_only=False)
frac, Frac = _pointwise("Frac", lambda x: x - np.trunc(x), lambda g, x, y: g, saves="")
erf, Erf = _pointwise("Erf", lambda x: _erf(x), lambda g, x, y: g * (-(x * x)).exp() * 1.1283791670955126)


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function on arrays (NumPy has none), accurate to float64 rounding.

    |x| < 2.5: the all-positive series erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1));
    beyond: erfc's continued fraction e^(-x^2) / sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
    Loops run over series terms, never over elements.
    """
    a = np.abs(x.astype(np.float64))
    small = np.minimum(a, 2.5)
    x2 = small * small
    term = small.copy()
    total = small.copy()
    for n in range(1, 60):
        term *= 2 * x2 / (2 * n + 1)
        total += term
    series = 1.1283791670955126 * np.exp(-x2) * total
    big = np.maximum(a, 2.5)
    frac = big.copy()
    for k in range(80, 0, -1):
        frac = big + (k / 2) / frac
    tail = 1 - np.exp(-big * big) / (1.7724538509055159 * frac)
    return (np.sign(x) * np.where(a < 2.5, series, tail)).astype(x.dtype)


class Clamp(Op):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x._data >= lo
        if hi is not None:
            mask &= x._data <= hi
        return g * _const(mask), None, None


def _const(array: np.ndarray):
    from .._tensor import wrap

    return wrap(array)


def clamp(input, min=None, max=None):
    """Clamp into [min, max]; bounds may be numbers or Tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if hasattr(min, "_data") or hasattr(max, "_data"):
        from .arith import maximum, minimum

        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if input._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        input = input.to(get_default_dtype())
    return Clamp.apply(input, min, max)


class Where(Op):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond = _const(np.asarray(ctx.cond))
        zero = g * 0
        need = ctx.needs_input_grad
        ga = sum_to(where(cond, g, zero), ctx.shapes[0]) if need[1] else None
        gb = sum_to(where(cond, zero, g), ctx.shapes[1]) if need[2] else None
        return None, ga, gb


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``; ``where(condition)`` is ``nonzero(as_tuple=True)``."""
    from .._dtype import result_type

    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    dt = result_type(input, other)
    if hasattr(input, "_data") and input._data.dtype != dt:
        input = input.to(dt)
    if hasattr(other, "_data") and other._data.dtype != dt:
        other = other.to(dt)
    if not hasattr(input, "_data"):
        input = np.asarray(input, dtype=dt)
    if not hasattr(other, "_data"):
        other = np.asarray(other, dtype=dt)
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    return Where.apply(condition, input, other)
