"""Activation functions: elementwise nonlinearities, PReLU, GLU and the softmax family (``F.relu``, ``F.gelu``...).

Piecewise-linear activations multiply the gradient by a constant mask (their second derivative is zero, so double
backward stays exact); smooth ones write the derivative with differentiable Tensor ops. The ``*_`` variants run
in place and, like PyTorch's, save their result instead of their input (grad_fn ``...Backward1``).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..._dtype import _type_name, get_default_dtype, is_real_floating
from ..._random import default_generator
from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from .._util import normalize_dim, sum_to
from ..pointwise import _erf, _sigmoid_np, tanh, where
from ..pointwise import relu as _relu_op
from ..kernels import relu as relu_kernel
from ..reduce import softmax
from ..._tensor import wrap
from ..shape import cat

__all__ = ["threshold", "threshold_", "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "glu", "gelu",
           "logsigmoid", "hardshrink", "softshrink", "tanhshrink", "softsign", "softplus", "softmin", "gumbel_softmax",
           "hardsigmoid", "hardswish", "silu", "mish"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _const(array):
    return wrap(np.asarray(array))


def _mask(cond: np.ndarray, dtype) -> object:
    """A boolean array as a constant Tensor of the gradient's dtype."""
    return _const(cond.astype(dtype, copy=False))


def _float_only(input, kernel: str):
    """PyTorch refuses these kernels on integer tensors (NotImplementedError naming the kernel and dtype)."""
    if not is_real_floating(input._data.dtype):
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_type_name(input._data.dtype)}\'')
    return input


# -- piecewise-linear activations --------------------------------------------------------------------------------
class ThresholdBackward0(Op):
    """``x if x > threshold else value``."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        keep = x > threshold
        ctx.keep = keep
        return np.where(keep, x, np.asarray(value, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        return g * _mask(ctx.keep, g._data.dtype), None, None


class ThresholdBackward1(ThresholdBackward0):
    """``threshold_``."""


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """Elementwise ``input if input > threshold else value``."""
    if inplace:
        return threshold_(input, threshold, value)
    return ThresholdBackward0.apply(input, threshold, value)


def threshold_(input, threshold: float, value: float):
    """In-place :func:`threshold`."""
    return input._inplace(ThresholdBackward1.apply, threshold, value)


def relu(input, inplace: bool = False):
    """``max(input, 0)``, elementwise (the same op as ``Tensor.relu``)."""
    return input._inplace(_relu_op) if inplace else _relu_op(input)


def relu_(input):
    """In-place :func:`relu`."""
    return input._inplace(_relu_op)


class HardtanhBackward0(Op):
    """Clamp into [min_val, max_val]; the gradient flows only strictly inside the interval."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        if not is_real_floating(x.dtype):
            lo, hi = math.ceil(lo), math.floor(hi)
        out = np.clip(x, x.dtype.type(lo), x.dtype.type(hi))
        ctx.inside = (x > lo) & (x < hi)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * _mask(ctx.inside, g._data.dtype), None, None


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """Elementwise clamp into ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return input._inplace(HardtanhBackward0.apply, min_val, max_val)
    return HardtanhBackward0.apply(input, min_val, max_val)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace: bool = False):
    """``min(max(0, x), 6)``; recorded as a hardtanh, as in PyTorch."""
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyReluBackward0(Op):
    """``x if x > 0 else negative_slope * x``."""

    @staticmethod
    def forward(ctx, x, slope):
        y, ctx.pos = relu_kernel.leaky_forward(x, slope)
        ctx.slope = slope
        return y

    @staticmethod
    def backward(ctx, g):
        if not STATE.enabled:  # no graph of the gradient: the one-pass kernel
            return wrap(relu_kernel.leaky_backward(g._data, ctx.pos, ctx.slope)), None
        dt = g._data.dtype
        return g * _const(np.where(ctx.pos, dt.type(1), dt.type(ctx.slope))), None


class LeakyReluBackward1(LeakyReluBackward0):
    """``leaky_relu_``."""


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """Elementwise ``x if x > 0 else negative_slope * x``."""
    _float_only(input, "leaky_relu")
    if inplace:
        return input._inplace(LeakyReluBackward1.apply, negative_slope)
    return LeakyReluBackward0.apply(input, negative_slope)


def leaky_relu_(input, negative_slope: float = 0.01):
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


class RreluWithNoiseBackward0(Op):
    """Leaky ReLU whose negative slope is ``noise`` (random per element in training, the mean slope in eval)."""

    @staticmethod
    def forward(ctx, x, lower, upper, training):
        neg = x <= 0
        if training:
            slope = default_generator.uniform(lower, upper, x.shape, x.dtype)
        else:
            slope = x.dtype.type((lower + upper) / 2)
        noise = np.where(neg, slope, x.dtype.type(1))
        ctx.noise = noise
        return x * noise

    @staticmethod
    def backward(ctx, g):
        return g * _const(ctx.noise), None, None, None


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """``rrelu_``."""


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False):
    """Randomized leaky ReLU: slope ~ U(lower, upper) on negative inputs in training, (lower+upper)/2 in eval."""
    _float_only(input, "rrelu_with_noise")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        return input._inplace(RreluWithNoiseBackward1.apply, lower, upper, training)
    return RreluWithNoiseBackward0.apply(input, lower, upper, training)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


class HardshrinkBackward0(Op):
    """``x if |x| > lambd else 0``."""

    @staticmethod
    def forward(ctx, x, lambd):
        keep = np.abs(x) > lambd
        ctx.keep = keep
        return np.where(keep, x, x.dtype.type(0))

    @staticmethod
    def backward(ctx, g):
        return g * _mask(ctx.keep, g._data.dtype), None


def hardshrink(input, lambd: float = 0.5):
    """Elementwise ``x if |x| > lambd else 0``."""
    _float_only(input, "hardshrink")
    return HardshrinkBackward0.apply(input, lambd)


class SoftshrinkBackward0(Op):
    """``x - lambd`` above lambd, ``x + lambd`` below -lambd, 0 between."""

    @staticmethod
    def forward(ctx, x, lambd):
        keep = np.abs(x) > lambd
        ctx.keep = keep
        return np.where(keep, x - np.copysign(x.dtype.type(lambd), x), x.dtype.type(0))

    @staticmethod
    def backward(ctx, g):
        return g * _mask(ctx.keep, g._data.dtype), None


def softshrink(input, lambd: float = 0.5):
    """Elementwise soft shrinkage towards zero by ``lambd``."""
    _float_only(input, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return SoftshrinkBackward0.apply(input, lambd)


class HardsigmoidBackward0(Op):
    """``relu6(x + 3) / 6``."""

    @staticmethod
    def forward(ctx, x):
        ctx.inside = (x > -3) & (x < 3)
        out = x / 6
        out += 0.5
        return np.clip(out, 0, 1, out=out)

    @staticmethod
    def backward(ctx, g):
        return g * _const(ctx.inside.astype(g._data.dtype) / 6)


def hardsigmoid(input, inplace: bool = False):
    """Piecewise-linear sigmoid ``relu6(x + 3) / 6``."""
    _float_only(input, "hardsigmoid")
    return input._inplace(HardsigmoidBackward0.apply) if inplace else HardsigmoidBackward0.apply(input)


class HardswishBackward0(Op):
    """``x * relu6(x + 3) / 6``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        gate = x / 6
        gate += 0.5
        np.clip(gate, 0, 1, out=gate)
        return x * gate

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = x._data
        dt = a.dtype
        middle = _mask((a > -3) & (a < 3), dt)
        return g * ((x * (1 / 3) + 0.5) * middle + _mask(a >= 3, dt))


def hardswish(input, inplace: bool = False):
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""
    _float_only(input, "hardswish")
    return input._inplace(HardswishBackward0.apply) if inplace else HardswishBackward0.apply(input)


# -- smooth activations ------------------------------------------------------------------------------------------
class EluBackward0(Op):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))``: ELU, SELU and CELU.

    The in-place forms (``_from_result``) compute backward from the output, as PyTorch's ``EluBackward1`` does.
    """

    _from_result = False

    @classmethod
    def forward(cls, ctx, x, alpha, scale, input_scale):
        from_result = cls._from_result
        ctx.coef = (alpha, scale, input_scale, from_result)
        neg = np.expm1(np.minimum(x, 0) * input_scale)
        neg *= alpha * scale
        out = np.where(x > 0, x * scale if scale != 1 else x, neg)
        ctx.save_for_backward(out if from_result else x)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        alpha, scale, input_scale, from_result = ctx.coef
        pos = s._data > 0
        if from_result:
            neg = (s + alpha * scale) * input_scale
        else:
            neg = (s.clamp(max=0) * input_scale).exp() * (alpha * scale * input_scale)
        return g * where(_const(pos), scale, neg), None, None, None


class EluBackward1(EluBackward0):
    """``elu_`` and ``selu_``."""

    _from_result = True


class CeluBackward0(EluBackward0):
    """``celu``."""


class CeluBackward1(EluBackward0):
    """``celu_``."""

    _from_result = True


def _elu(input, alpha, scale, input_scale, op):
    _float_only(input, "elu")
    if op._from_result:
        return input._inplace(op.apply, alpha, scale, input_scale)
    return op.apply(input, alpha, scale, input_scale)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """``x if x > 0 else alpha * (exp(x) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0, EluBackward1 if inplace else EluBackward0)


def elu_(input, alpha: float = 1.0):
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace: bool = False):
    """Self-normalising ELU: ``scale * elu(x, alpha)`` with the constants of Klambauer et al. (2017)."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward1 if inplace else EluBackward0)


def selu_(input):
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(input, alpha, 1.0, 1.0 / alpha, CeluBackward1 if inplace else CeluBackward0)


def celu_(input, alpha: float = 1.0):
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


class GeluBackward0(Op):
    """``x * Phi(x)`` (exact, through erf) or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = x * x
            inner *= 0.044715
            inner += 1
            inner *= x
            inner *= math.sqrt(2 / math.pi)
            t = np.tanh(inner)
            ctx.t = t
            out = t + 1
            out *= x
        else:
            cdf = _erf(x * (1 / math.sqrt(2)))
            cdf += 1
            ctx.cdf = cdf
            out = cdf * x
        out *= 0.5
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # the cached erf/tanh values are constants: reuse them unless a differentiable gradient is being built
        exact = STATE.enabled
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = ((x * x * 0.044715 + 1) * x * k).tanh() if exact else _const(ctx.t)
            dinner = (x * x * (3 * 0.044715) + 1) * k
            deriv = (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner
        else:
            cdf2 = (x * (1 / math.sqrt(2))).erf() + 1 if exact else _const(ctx.cdf)
            deriv = cdf2 * 0.5 + x * (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return g * deriv, None


def gelu(input, approximate: str = "none"):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input, "GeluKernelImpl")
    return GeluBackward0.apply(input, approximate)


class LogSigmoidBackward0(Op):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, finite for every x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.log1p(np.exp(-np.abs(x)))
        np.subtract(np.minimum(x, 0), out, out=out)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()


def logsigmoid(input):
    """Elementwise ``log(1 / (1 + exp(-x)))``."""
    _float_only(input, "log_sigmoid_forward")
    return LogSigmoidBackward0.apply(input)


class SoftplusBackward0(Op):
    """``log(1 + exp(beta * x)) / beta``, reverting to ``x`` where ``beta * x > threshold``."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * beta if beta != 1 else x
        linear = bx > threshold
        soft = np.logaddexp(x.dtype.type(0), bx)
        if beta != 1:
            soft /= beta
        ctx.save_for_backward(x)
        ctx.meta = (beta, linear)
        return np.where(linear, x, soft)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        beta, linear = ctx.meta
        dt = x._data.dtype
        return g * ((x * beta).sigmoid() * _mask(~linear, dt) + _mask(linear, dt)), None, None


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """Smooth ReLU ``log(1 + exp(beta * x)) / beta`` (linear above ``threshold``)."""
    _float_only(input, "softplus")
    return SoftplusBackward0.apply(input, beta, threshold)


class SiluBackward0(Op):
    """``x * sigmoid(x)`` (swish)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid_np(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * (s * (x * (1 - s) + 1))


def silu(input, inplace: bool = False):
    """Elementwise ``x * sigmoid(x)``."""
    _float_only(input, "silu")
    return input._inplace(SiluBackward0.apply) if inplace else SiluBackward0.apply(input)


class MishBackward0(Op):
    """``x * tanh(softplus(x))``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(np.logaddexp(x.dtype.type(0), x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = SoftplusBackward0.apply(x, 1, 20).tanh()
        return g * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace: bool = False):
    """Elementwise ``x * tanh(softplus(x))``."""
    _float_only(input, "mish")
    return input._inplace(MishBackward0.apply) if inplace else MishBackward0.apply(input)


def softsign(input):
    """Elementwise ``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """Elementwise ``x - tanh(x)``."""
    return input - tanh(input)


# -- PReLU and GLU -------------------------------------------------------------------------------------------------
class PreluKernelBackward0(Op):
    """``x if x > 0 else weight * x``, ``weight`` shaped to broadcast: one learnt slope per channel (dim 1) or a
    single shared slope."""

    @staticmethod
    def forward(ctx, x, w):
        pos = x > 0
        ctx.save_for_backward(x, w)
        ctx.pos = pos
        return np.where(pos, x, x * w)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        posm = _mask(ctx.pos, g._data.dtype)
        negm = _mask(~ctx.pos, g._data.dtype)
        gx = g * (posm + negm * w) if need[0] else None
        gw = sum_to(g * x * negm, w.shape) if need[1] else None
        return gx, gw


def prelu(input, weight):
    """``max(0, x) + weight * min(0, x)``; ``weight`` has one entry or one per channel (dim 1)."""
    _float_only(input, "prelu")
    channels = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                           f"and channel size = {channels}.")
    if n == 1:
        bshape = (1,) * input.ndim
    else:
        bshape = (1, n) + (1,) * (input.ndim - 2)
    return PreluKernelBackward0.apply(input, weight.reshape(bshape))  # a view, as in PyTorch


class GluBackward0(Op):
    """``a * sigmoid(b)`` where ``a, b`` are the two halves of the input along ``dim``."""

    @staticmethod
    def forward(ctx, x, dim):
        a, b = np.split(x, 2, axis=dim)
        ctx.dim = dim
        ctx.save_for_backward(x)
        return a * _sigmoid_np(b)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a, b = x.chunk(2, ctx.dim)
        s = b.sigmoid()
        ga = g * s
        return cat([ga, ga * a * (1 - s)], ctx.dim), None


def glu(input, dim: int = -1):
    """Gated linear unit: split ``input`` in two halves ``a, b`` along ``dim``, return ``a * sigmoid(b)``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    _float_only(input, "glu")
    return GluBackward0.apply(input, d)


# -- softmax family ----------------------------------------------------------------------------------------------
def softmin(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    """``softmax(-input, dim)``."""
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=_stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def gumbel_softmax(logits, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """Sample from the Gumbel-softmax distribution; ``hard=True`` returns one-hot samples whose gradient is the
    soft sample's (straight-through estimator)."""
    dt = logits._data.dtype if is_real_floating(logits._data.dtype) else get_default_dtype().np
    gumbels = -np.log(default_generator.exponential(1.0, logits.shape)).astype(dt)
    y_soft = softmax((logits + wrap(gumbels)) / tau, dim)
    if not hard:
        return y_soft
    d = normalize_dim(dim, y_soft.ndim)
    index = np.argmax(y_soft._data, axis=d)
    y_hard = np.zeros_like(y_soft._data)
    np.put_along_axis(y_hard, np.expand_dims(index, d), 1, axis=d)
    return wrap(y_hard) - y_soft.detach() + y_soft
