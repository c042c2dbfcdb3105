"""Binary arithmetic with broadcasting and PyTorch's type promotion: + - * / // % ** and friends."""
from __future__ import annotations

import math

import numpy as np

from ..autograd import function as _function
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import broadcast_error, promote_operands, sum_to, sum_to_array


def _shape(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else ()


def _array_grad(value: np.ndarray, like: np.ndarray, shape: tuple):
    """An input's gradient computed on arrays (no graph of the gradient is built): in the incoming gradient's
    dtype, summed down to the input's ``shape``."""
    if value.dtype != like.dtype:
        value = value.astype(like.dtype)
    return _function._wrap(value if value.shape == shape else sum_to_array(value, shape))


def _data(x):
    return x._data if hasattr(x, "_data") else x


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return a + b

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (sum_to(g, ctx.shapes[0]) if need[0] else None, sum_to(g, ctx.shapes[1]) if need[1] else None)


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return a - b

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        if not STATE.enabled and need[1]:
            gd = g._data
            return (sum_to(g, ctx.shapes[0]) if need[0] else None, _array_grad(np.negative(gd), gd, ctx.shapes[1]))
        return (sum_to(g, ctx.shapes[0]) if need[0] else None, sum_to(-g, ctx.shapes[1]) if need[1] else None)


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        # like PyTorch, keep an operand only when the other one needs its gradient
        ctx._to_save = (a if need[1] else None, b if need[0] else None)
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not STATE.enabled:
            gd = g._data
            return (_array_grad(gd * _data(b), gd, ctx.shapes[0]) if need[0] else None,
                    _array_grad(gd * _data(a), gd, ctx.shapes[1]) if need[1] else None)
        return (sum_to(g * b, ctx.shapes[0]) if need[0] else None,
                sum_to(g * a, ctx.shapes[1]) if need[1] else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        ctx.shapes = (_shape(a), _shape(b))
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not STATE.enabled:
            gd, bd = g._data, _data(b)
            ga = _array_grad(gd / bd, gd, ctx.shapes[0]) if need[0] else None
            gb = _array_grad(-gd * _data(a) / (bd * bd), gd, ctx.shapes[1]) if need[1] else None
            return ga, gb
        ga = sum_to(g / b, ctx.shapes[0]) if need[0] else None
        gb = sum_to(-g * a / (b * b), ctx.shapes[1]) if need[1] else None
        return ga, gb


class Pow(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx._name = "PowBackward0" if not isinstance(b, np.ndarray) else (
            "PowBackward1" if isinstance(a, np.ndarray) else "PowBackward2")
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            ga = sum_to(g * b * a ** (b - 1) if not _is_zero(b) else g * 0, _tshape(a))
        if need[1]:
            log_a = a.log() if hasattr(a, "_data") else math.log(a) if a > 0 else math.nan
            gb = sum_to(g * out * log_a, _tshape(b))
        return ga, gb


def _is_zero(x) -> bool:
    return not hasattr(x, "_data") and x == 0


def _tshape(x) -> tuple:
    return x.shape if hasattr(x, "_data") else ()


class Remainder(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = sum_to(g, _tshape(a)) if need[0] else None
        gb = sum_to(-g * (a / b).floor(), _tshape(b)) if need[1] else None
        return ga, gb


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return _function._wrap(np.negative(g._data)) if not STATE.enabled else -g


class Maximum(Op):
    """Elementwise max; on ties each input gets half the gradient, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        return _tie_split(ctx, g, lambda a, b: a > b)


class Minimum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        return _tie_split(ctx, g, lambda a, b: a < b)


def _tie_split(ctx, g, wins):
    a, b = ctx.saved_tensors
    dt = g.dtype
    win_a = wins(a, b).to(dt) + (a == b).to(dt) * 0.5
    need = ctx.needs_input_grad
    return (sum_to(g * win_a, _tshape(a)) if need[0] else None,
            sum_to(g * (1 - win_a), _tshape(b)) if need[1] else None)


def _binary(op, a, b, float_result: bool = False):
    a, b, _ = promote_operands(a, b, float_result)
    try:
        return op.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(_tshape(a), _tshape(b)) from None
        raise


def add(input, other, *, alpha=1):
    """``input + alpha * other``."""
    if alpha != 1:
        other = other * alpha
    return _binary(Add, input, other)


def _is_bool(x) -> bool:
    return x._data.dtype == np.bool_ if hasattr(x, "_data") else isinstance(x, (bool, np.bool_))


def sub(input, other, *, alpha=1):
    """``input - alpha * other``; bool operands refuse, as in PyTorch."""
    if _is_bool(input) or _is_bool(other):
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                               "`logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    if alpha != 1:
        other = other * alpha
    return _binary(Sub, input, other)


def mul(input, other):
    return _binary(Mul, input, other)


def div(input, other, *, rounding_mode: str | None = None):
    """True division (ints give float); ``rounding_mode`` 'trunc' or 'floor' gives integer-valued results."""
    if rounding_mode is None:
        return _binary(Div, input, other, float_result=True)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        q = _binary(Div, input, other, float_result=True).trunc()
        return q if _is_float_operand(input) or _is_float_operand(other) else q.to(input.dtype)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def _is_float_operand(x) -> bool:
    return x._data.dtype.kind == "f" if hasattr(x, "_data") else isinstance(x, float)


def pow(input, exponent):
    return _binary(Pow, input, exponent)


def remainder(input, other):
    return _binary(Remainder, input, other)


def neg(input):
    """``-input``; bool tensors refuse, as in PyTorch."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


def maximum(input, other):
    return _binary(Maximum, input, other)


def minimum(input, other):
    return _binary(Minimum, input, other)


def floor_divide(input, other):
    """Floor division; like PyTorch, the result carries no gradient."""
    from .._tensor import wrap

    a, b, _ = promote_operands(input, other)
    ad = a._data if hasattr(a, "_data") else a
    bd = b._data if hasattr(b, "_data") else b
    return wrap(np.floor_divide(ad, bd))


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``."""
    prod = mul(tensor1, tensor2)
    return add(input, prod if value == 1 else mul(prod, value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``."""
    quot = div(tensor1, tensor2)
    return add(input, quot if value == 1 else mul(quot, value))


def lerp(input, end, weight):
    """``input + weight * (end - input)``."""
    return add(input, mul(sub(end, input), weight))
