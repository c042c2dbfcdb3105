"""Binary arithmetic with broadcasting and PyTorch's type promotion: + - * / // % ** and friends."""
from __future__ import annotations

import math

import numpy as np

from .._dtype import _cpp_type_name, _promote, _type_name, is_real_floating
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import broadcast_error, not_implemented, promote_operands, sum_to, sum_to_array
from .._tensor import wrap


def _shape(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else ()


def _array_grad(value: np.ndarray, like: np.ndarray, shape: tuple):
    """An input's gradient computed on arrays (no graph of the gradient is built): in the incoming gradient's
    dtype, summed down to the input's ``shape``."""
    if value.dtype != like.dtype:
        value = value.astype(like.dtype)
    return wrap(value if value.shape == shape else sum_to_array(value, shape))


def _data(x):
    return x._data if hasattr(x, "_data") else x


def _refuse_zero_divisor(a, b) -> None:
    """An integer division meeting a zero divisor raises, as in PyTorch (NumPy would give 0 with a warning)."""
    if np.result_type(a, b).kind in "iu" and np.broadcast(a, b).size and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


class AddBackward0(Op):
    """``a + alpha * b``: both operands are inputs of PyTorch's node, a Python number too (it wraps it)."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        if alpha == 1:
            return a + b
        ctx.alpha = alpha
        return a + b * alpha

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        gb = None
        if need[1]:
            alpha = ctx.__dict__.get("alpha", 1)
            gb = sum_to(g if alpha == 1 else g * alpha, ctx.shapes[1])
        return sum_to(g, ctx.shapes[0]) if need[0] else None, gb


class SubBackward0(Op):
    """``a - alpha * b``."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (_shape(a), _shape(b))
        if alpha == 1:
            return a - b
        ctx.alpha = alpha
        return a - b * alpha

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        alpha = ctx.__dict__.get("alpha", 1)
        if not STATE.enabled and need[1]:
            gd = g._data
            gb = np.negative(gd) if alpha == 1 else gd * -alpha
            return (sum_to(g, ctx.shapes[0]) if need[0] else None, _array_grad(gb, gd, ctx.shapes[1]))
        return (sum_to(g, ctx.shapes[0]) if need[0] else None,
                sum_to(-g if alpha == 1 else g * -alpha, ctx.shapes[1]) if need[1] else None)


class MulBackward0(Op):
    _inputs = (0, 1)

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
            if gd.dtype.kind == "c":  # PyTorch's convention for complex operands: g times the other's conjugate
                return (_array_grad(gd * np.conj(_data(b)), gd, ctx.shapes[0]) if need[0] else None,
                        _array_grad(gd * np.conj(_data(a)), gd, ctx.shapes[1]) if need[1] else None)
            return (_array_grad(gd * _data(b), gd, ctx.shapes[0]) if need[0] else None,
                    _array_grad(gd * _data(a), gd, ctx.shapes[1]) if need[1] else None)
        if g._data.dtype.kind == "c":
            a, b = (None if x is None else x.conj() if hasattr(x, "conj") else np.conj(x) for x in (a, b))
        return (sum_to(g * b, ctx.shapes[0]) if need[0] else None,
                sum_to(g * a, ctx.shapes[1]) if need[1] else None)


class MulBackward1(MulBackward0):
    """``tensor * number`` as PyTorch's C++ code records it (``mul.Scalar``: the number is no input of the node),
    for ops composed from others; Python's ``x * 2`` records MulBackward0 with the number as an input."""

    _inputs = None


class AddBackward1(AddBackward0):
    """``tensor + number`` as PyTorch's C++ code records it (``add.Scalar``: the number is no input of the node);
    Python's ``x + 1`` records AddBackward0 with the number as an input."""

    _inputs = None


class SubBackward1(SubBackward0):
    """``tensor - number`` as PyTorch's C++ code records it (``sub.Scalar``), one edge like ``AddBackward1``."""

    _inputs = None


class DivBackward0(Op):
    _inputs = (0, 1)

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


class DivBackward1(DivBackward0):
    """``tensor / number`` as PyTorch's C++ code records it (``div.Scalar``), one edge like ``MulBackward1``."""

    _inputs = None


class DivBackward2(Op):
    """``div`` with a rounding mode: a step function, so both gradients are zero (PyTorch's rule)."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        ctx.shapes = (_shape(a), _shape(b))
        return np.floor_divide(a, b) if rounding_mode == "floor" else np.trunc(a / b)

    @staticmethod
    def backward(ctx, g):
        dt = g._data.dtype
        return tuple([wrap(np.zeros(shape, dt)) if need else None
                      for shape, need in zip(ctx.shapes, ctx.needs_input_grad)]) + (None,)


class PowBackward0(Op):
    """``tensor ** number``; PyTorch names ``tensor ** tensor`` and ``number ** tensor`` apart (below)."""

    @staticmethod
    def forward(ctx, a, b):
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


class PowBackward1(PowBackward0):
    """``tensor ** tensor``."""


class PowBackward2(PowBackward0):
    """``number ** tensor``."""


def _is_zero(x) -> bool:
    return not hasattr(x, "_data") and x == 0


def _tshape(x) -> tuple:
    return x.shape if hasattr(x, "_data") else ()


class RemainderBackward0(Op):
    """``remainder(tensor, number)``; ``RemainderBackward1`` is ``remainder(tensor, tensor)``."""

    @staticmethod
    def forward(ctx, a, b):
        _refuse_zero_divisor(a, b)
        ctx.save_for_backward(a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = sum_to(g, _tshape(a)) if need[0] else None
        gb = sum_to(-g * (a / b).floor(), _tshape(b)) if need[1] else None
        return ga, gb


class RemainderBackward1(RemainderBackward0):
    """``remainder(tensor, tensor)``."""


_REMAINDER_OF_NUMBER = not_implemented(RemainderBackward0, "remainder")  # ``number % tensor``: no derivative


class NegBackward0(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return wrap(np.negative(g._data)) if not STATE.enabled else -g


class MaximumBackward0(Op):
    """Elementwise max; on ties each input gets half the gradient, as in PyTorch."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        return _tie_split(ctx, g, lambda a, b: a > b)


class MinimumBackward0(Op):
    _inputs = (0, 1)

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


def _binary(op, a, b, float_result: bool = False, alpha=1):
    a, b, dt = promote_operands(a, b, float_result)
    try:
        if alpha == 1 and type(alpha) is not bool:
            return op.apply(a, b)
        return op.apply(a, b, alpha=_check_alpha(alpha, dt))
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(_tshape(a), _tshape(b)) from None
        raise


def _check_alpha(alpha, dt: np.dtype):
    """``alpha`` as PyTorch accepts it for a result of dtype ``dt``."""
    if isinstance(alpha, (bool, np.bool_)) and dt != np.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if not is_real_floating(dt) and isinstance(alpha, (float, np.floating)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return alpha


def add(input, other, *, alpha=1):
    """``input + alpha * other``."""
    return _binary(AddBackward0, input, other, alpha=alpha)


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
    return _binary(SubBackward0, input, other, alpha=alpha)


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (subtraction with the operands swapped)."""
    return sub(other, input, alpha=alpha)


def mul(input, other):
    """``input * other`` with broadcasting and type promotion."""
    return _binary(MulBackward0, input, other)


def div(input, other, *, rounding_mode: str | None = None):
    """True division (ints give float); ``rounding_mode`` 'trunc' or 'floor' gives integer-valued results."""
    if rounding_mode is None:
        return _binary(DivBackward0, input, other, float_result=True)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    if _is_float_operand(input) or _is_float_operand(other):
        a, b, _ = promote_operands(input, other)
        try:
            return DivBackward2.apply(a, b, rounding_mode)
        except ValueError as e:
            if "broadcast" in str(e):
                raise broadcast_error(_tshape(a), _tshape(b)) from None
            raise
    if rounding_mode == "floor":
        return floor_divide(input, other)
    a, b, _ = promote_operands(input, other)
    _refuse_zero_divisor(_data(a), _data(b))
    return _binary(DivBackward0, input, other, float_result=True).trunc().to(input.dtype)


def _is_float_operand(x) -> bool:
    return is_real_floating(x._data.dtype) if hasattr(x, "_data") else isinstance(x, float)


def pow(input, exponent):
    """``input ** exponent`` elementwise."""
    if not hasattr(exponent, "_data"):
        return _binary(PowBackward0, input, exponent)
    return _binary(PowBackward1 if hasattr(input, "_data") else PowBackward2, input, exponent)


def remainder(input, other):
    """Python-style modulus: the result takes the sign of ``other``."""
    if not hasattr(other, "_data"):
        return _binary(RemainderBackward0, input, other)
    return _binary(RemainderBackward1 if hasattr(input, "_data") else _REMAINDER_OF_NUMBER, input, other)


def neg(input):
    """``-input``; bool tensors refuse, as in PyTorch."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return NegBackward0.apply(input)


def maximum(input, other):
    """Elementwise max of two tensors (NaN propagates)."""
    return _binary(MaximumBackward0, input, other)


def minimum(input, other):
    """Elementwise min of two tensors (NaN propagates)."""
    return _binary(MinimumBackward0, input, other)


def floor_divide(input, other):
    """Floor division; like PyTorch, the result carries no gradient."""
    a, b, _ = promote_operands(input, other)
    ad = a._data if hasattr(a, "_data") else a
    bd = b._data if hasattr(b, "_data") else b
    _refuse_zero_divisor(ad, bd)
    return wrap(np.floor_divide(ad, bd))


def _common(*tensors):
    """The tensors cast to their PyTorch result dtype (tensors with dimensions first, then zero-dim ones)."""
    dt, rank = tensors[0]._data.dtype, min(tensors[0].ndim, 1) + 1
    for t in tensors[1:]:
        if t._data.dtype != dt:
            t_rank = min(t.ndim, 1) + 1
            dt, rank = _promote(dt, rank, t._data.dtype, t_rank), max(rank, t_rank)
    return [t if t._data.dtype == dt else t.to(dt) for t in tensors]


class AddcmulBackward0(Op):
    """``input + value * tensor1 * tensor2``."""

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        need = ctx.needs_input_grad
        ctx.save_for_backward(t1 if need[2] else None, t2 if need[1] else None)
        ctx.meta = (a.shape, t1.shape, t2.shape, value)
        prod = t1 * t2
        return a + (prod if value == 1 else prod * value)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        sa, s1, s2, value = ctx.meta
        need = ctx.needs_input_grad
        gv = g if value == 1 else g * value
        return (sum_to(g, sa) if need[0] else None, sum_to(gv * t2, s1) if need[1] else None,
                sum_to(gv * t1, s2) if need[2] else None)


class AddcdivBackward0(Op):
    """``input + value * tensor1 / tensor2``."""

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        ctx.meta = (a.shape, t1.shape, t2.shape, value)
        quot = t1 / t2
        return a + (quot if value == 1 else quot * value)

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        sa, s1, s2, value = ctx.meta
        need = ctx.needs_input_grad
        gv = g if value == 1 else g * value
        return (sum_to(g, sa) if need[0] else None, sum_to(gv / t2, s1) if need[1] else None,
                sum_to(-gv * t1 / (t2 * t2), s2) if need[2] else None)


class LerpBackward0(Op):
    """``input + weight * (end - input)`` with a number ``weight``."""


    @staticmethod
    def forward(ctx, a, b, weight):
        ctx.meta = (a.shape, b.shape, weight)
        return a + weight * (b - a)

    @staticmethod
    def backward(ctx, g):
        sa, sb, w = ctx.meta
        need = ctx.needs_input_grad
        return sum_to(g * (1 - w), sa) if need[0] else None, sum_to(g * w, sb) if need[1] else None


class LerpBackward1(Op):
    """``input + weight * (end - input)`` with a tensor ``weight``."""


    @staticmethod
    def forward(ctx, a, b, w):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[2] else None, b if need[2] else None, w)
        ctx.shapes = (a.shape, b.shape, w.shape)
        return a + w * (b - a)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        sa, sb, sw = ctx.shapes
        need = ctx.needs_input_grad
        return (sum_to(g * (1 - w), sa) if need[0] else None, sum_to(g * w, sb) if need[1] else None,
                sum_to(g * (b - a), sw) if need[2] else None)


def _ternary(op, tensors, *params):
    try:
        return op.apply(*tensors, *params)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        shape = tuple(tensors[0].shape)
        for t in tensors[1:]:
            try:
                shape = np.broadcast_shapes(shape, tuple(t.shape))
            except ValueError:
                raise broadcast_error(shape, tuple(t.shape)) from None
        raise


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``."""
    tensors = _common(input, tensor1, tensor2)
    if not is_real_floating(tensors[0]._data.dtype) and isinstance(value, float):
        value = int(value)  # PyTorch casts the value to the integer dtype
    return _ternary(AddcmulBackward0, tensors, value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``; integer tensor1 and tensor2 refuse, as in PyTorch."""
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * ember.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return _ternary(AddcdivBackward0, _common(input, tensor1, tensor2), value)


def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``weight`` a number or a tensor of input's dtype."""
    dt = input._data.dtype
    for name, t in (("end", end), ("weight", weight)):
        if hasattr(t, "_data") and t._data.dtype != dt:
            raise RuntimeError(f"expected dtype {_cpp_type_name(dt)} for `{name}` but got dtype "
                               f"{_cpp_type_name(t._data.dtype)}")
    if not is_real_floating(dt):
        raise NotImplementedError(f'"lerp_kernel_scalar" not implemented for \'{_type_name(dt)}\'')
    if hasattr(weight, "_data"):
        return _ternary(LerpBackward1, (input, end, weight))
    return _ternary(LerpBackward0, (input, end), weight)
