"""Unary elementwise ops, each defined once by its NumPy forward and its derivative in Tensor ops.

``_pointwise`` builds the Op class: forward applies the NumPy function (integer inputs are promoted to the
default float dtype, as PyTorch does), backward multiplies the incoming gradient by the derivative, written
with differentiable Tensor operations so that double backward works.
"""
from __future__ import annotations

import math

import numpy as np

from .._dtype import (_promote, _type_name, get_default_dtype, int64, is_bfloat16, is_floating, is_real_floating,
                      result_type)
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import sum_to
from .kernels import relu as relu_kernel
from .kernels import special
from .._tensor import wrap
from ._linalg import named_result


def _pointwise(name: str, np_fn, grad_fn, saves: str = "x", ints: str = "float", array_grad=True,
               node: str | None = None):
    """Make ``fn(input)`` and its Op, the class ``{name}Backward0`` (or ``node``: PyTorch's node name, when it
    records another op); ``grad_fn(g, x, y)`` gets the saved input x and/or output y.

    ``ints`` says what integer input does: "float" promotes to the default dtype, "keep" computes in the
    input's dtype, "error" raises PyTorch's NotImplementedError. Bool input follows ``_BOOL_RULES``.
    When no graph of the gradient is built, backward calls ``array_grad(g, x, y)`` on the arrays instead:
    True means ``grad_fn`` itself, written with operators NumPy shares, works on arrays too.
    """
    array_fn = grad_fn if array_grad is True else array_grad

    def forward(ctx, x):
        y = np_fn(x)
        if saves == "x":
            ctx.save_for_backward(x)
        elif saves == "y":
            ctx.save_for_backward(y)
        elif saves:
            ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        saved = ctx.saved_tensors
        x = saved[0] if saves in ("x", "xy") else None
        y = saved[-1] if saves in ("y", "xy") else None
        if array_fn and not STATE.enabled:
            gd = g._data
            # a 0-d forward result may have been saved as a NumPy scalar
            out = np.asarray(array_fn(gd, getattr(x, "_data", x), getattr(y, "_data", y)))
            # a complex input's gradient stays complex (abs: ``g * sgn(z)``)
            return wrap(out if out.dtype == gd.dtype or out.dtype.kind == "c" else out.astype(gd.dtype))
        return grad_fn(g, x, y)

    lower = name.lower()
    op = type(node or name + "Backward0", (Op,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                                                  "__module__": __name__, "__doc__": f"``{lower}``."})

    def fn(input):
        kind = input._data.dtype.kind
        if kind != "f" and not is_bfloat16(input._data.dtype):
            if kind == "b" and lower in _BOOL_RULES:
                input = _BOOL_RULES[lower](input)
                if input._data.dtype.kind == "b":
                    return input
            elif ints == "float":
                input = input.to(get_default_dtype())
            elif ints == "error":
                raise NotImplementedError(f'"{lower}_cpu" not implemented for \'{_type_name(input._data.dtype)}\'')
        return op.apply(input)

    fn.__name__ = lower
    fn.__doc__ = f"Elementwise {lower}."
    return fn, op


def _refuse(exc_type, message: str):
    def rule(t):
        raise exc_type(message)

    return rule


# what a bool tensor does in PyTorch: raise, stay bool (returned as is), or compute as int64
_BOOL_RULES = {
    "relu": _refuse(RuntimeError, "Boolean inputs not supported for relu"),
    "abs": _refuse(NotImplementedError, '"abs_cpu" not implemented for \'Bool\''),
    "sign": lambda t: t.clone(),
    "square": lambda t: t.to(int64),
    "floor": _refuse(NotImplementedError, '"floor_vml_cpu" not implemented for \'Bool\''),
    "ceil": _refuse(NotImplementedError, '"ceil_vml_cpu" not implemented for \'Bool\''),
    "trunc": _refuse(NotImplementedError, '"trunc_vml_cpu" not implemented for \'Bool\''),
    "round": _refuse(NotImplementedError, '"round_vml_cpu" not implemented for \'Bool\''),
}


def _sigmoid_np(x):
    # tanh form: stable for large |x| and a single transcendental call.
    out = np.tanh(x * x.dtype.type(0.5))
    out += 1
    out *= 0.5
    return out


exp, ExpBackward0 = _pointwise("Exp", np.exp, lambda g, x, y: g * y, saves="y")
exp2, Exp2Backward0 = _pointwise("Exp2", np.exp2, lambda g, x, y: g * y * 0.6931471805599453, saves="y")
log, LogBackward0 = _pointwise("Log", np.log, lambda g, x, y: g / x)
log2, Log2Backward0 = _pointwise("Log2", np.log2, lambda g, x, y: g / (x * 0.6931471805599453))
log10, Log10Backward0 = _pointwise("Log10", np.log10, lambda g, x, y: g / (x * 2.302585092994046))
log1p, Log1PBackward0 = _pointwise("Log1P", np.log1p, lambda g, x, y: g / (x + 1))
expm1, Expm1Backward0 = _pointwise("Expm1", np.expm1, lambda g, x, y: g * (y + 1), saves="y")
sqrt, SqrtBackward0 = _pointwise("Sqrt", np.sqrt, lambda g, x, y: g / (y * 2), saves="y")
rsqrt, RsqrtBackward0 = _pointwise("Rsqrt", lambda x: 1 / np.sqrt(x), lambda g, x, y: g * y * y * y * -0.5, saves="y")
sin, SinBackward0 = _pointwise("Sin", np.sin, lambda g, x, y: g * x.cos(), array_grad=lambda g, x, y: g * np.cos(x))
cos, CosBackward0 = _pointwise("Cos", np.cos, lambda g, x, y: -g * x.sin(), array_grad=lambda g, x, y: -g * np.sin(x))
tan, TanBackward0 = _pointwise("Tan", np.tan, lambda g, x, y: g * (y * y + 1), saves="y")
asin, AsinBackward0 = _pointwise("Asin", np.arcsin, lambda g, x, y: g * (1 - x * x).rsqrt(), array_grad=False)
acos, AcosBackward0 = _pointwise("Acos", np.arccos, lambda g, x, y: -g * (1 - x * x).rsqrt(), array_grad=False)
atan, AtanBackward0 = _pointwise("Atan", np.arctan, lambda g, x, y: g / (x * x + 1))
sinh, SinhBackward0 = _pointwise("Sinh", np.sinh, lambda g, x, y: g * x.cosh(),
                                 array_grad=lambda g, x, y: g * np.cosh(x))
cosh, CoshBackward0 = _pointwise("Cosh", np.cosh, lambda g, x, y: g * x.sinh(),
                                 array_grad=lambda g, x, y: g * np.sinh(x))
tanh, TanhBackward0 = _pointwise("Tanh", np.tanh, lambda g, x, y: g * (1 - y * y), saves="y")
sigmoid, SigmoidBackward0 = _pointwise("Sigmoid", _sigmoid_np, lambda g, x, y: g * y * (1 - y), saves="y")
reciprocal, ReciprocalBackward0 = _pointwise("Reciprocal", lambda x: 1 / x, lambda g, x, y: -g * y * y, saves="y")
relu, ReluBackward0 = _pointwise("Relu", relu_kernel.forward, lambda g, x, y: g.masked_fill(y <= 0, 0.0), saves="y",
                                 ints="keep",
                                 array_grad=lambda g, x, y: relu_kernel.backward(g, y))
abs, AbsBackward0 = _pointwise("Abs", np.abs, lambda g, x, y: g * x.sign(), ints="keep",
                               array_grad=lambda g, x, y: g * np.sign(x))
sign, SignBackward0 = _pointwise("Sign", np.sign, lambda g, x, y: g * 0, saves="", ints="keep")
square, PowBackward0 = _pointwise("Square", np.square, lambda g, x, y: g * x * 2, ints="keep", node="PowBackward0")
floor, FloorBackward0 = _pointwise("Floor", np.floor, lambda g, x, y: g * 0, saves="", ints="keep")
ceil, CeilBackward0 = _pointwise("Ceil", np.ceil, lambda g, x, y: g * 0, saves="", ints="keep")
round_, RoundBackward0 = _pointwise("Round", np.round, lambda g, x, y: g * 0, saves="", ints="keep")
trunc, TruncBackward0 = _pointwise("Trunc", np.trunc, lambda g, x, y: g * 0, saves="", ints="keep")
frac, FracBackward0 = _pointwise("Frac", lambda x: x - np.trunc(x), lambda g, x, y: g, saves="", ints="error")


def _sinc_grad(g, x, y):
    """d sinc(x)/dx = (cos(pi x) - sinc(x)) / x, and 0 at x = 0 (without a 0/0 on the way)."""
    zero = x == 0
    return (g * (((x * np.pi).cos() - y) / x.masked_fill(zero, 1.0))).masked_fill(zero, 0.0)


sinc, SincBackward0 = _pointwise("Sinc", np.sinc, _sinc_grad, saves="xy", array_grad=False)

erf, ErfBackward0 = _pointwise("Erf", lambda x: _erf(x), lambda g, x, y: g * (-(x * x)).exp() * 1.1283791670955126,
                               array_grad=lambda g, x, y: g * np.exp(-(x * x)) * 1.1283791670955126)



def _bessel_i1(x: np.ndarray) -> np.ndarray:
    """The modified Bessel function I1 by its power series, whose terms are all of one sign (no cancellation);
    summed in float64 until the largest term is below rounding."""
    half = np.asarray(x, np.float64) / 2
    term = half.copy()
    out = term.copy()
    sq = half * half
    k = 0
    while np.any(np.abs(term) > 1e-17 * np.abs(out)):
        k += 1
        term = term * sq / (k * (k + 1))
        out += term
    return out.astype(x.dtype)


i0, I0Backward0 = _pointwise("I0", np.i0, lambda g, x, y: g * wrap(_bessel_i1(x._data)),
                             array_grad=lambda g, x, y: g * _bessel_i1(x))


class NanToNumBackward0(Op):
    """NaN and infinities replaced by finite numbers; only finite inputs pass a gradient."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.isfinite(), None, None, None


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """``input`` with NaN replaced by ``nan`` and +-inf by ``posinf``/``neginf`` (the dtype's largest and lowest
    finite values by default); integer and bool input is returned as a copy."""
    if not is_floating(input._data.dtype):
        return input.clone()
    return NanToNumBackward0.apply(input, nan, posinf, neginf)


# W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969; his CALERF routine): erf on |x| <= 0.46875,
# erfc on 0.46875 < |x| <= 4 and, through 1/x^2, beyond 4
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
           8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
           2.15311535474403846e-8)
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
           3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
           6.58749161529837803e-4, 1.63153871373020978e-2)
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
           2.33520497626869185e-3)
_INV_SQRT_PI = 0.56418958354775628695


def _cody_ratio(z: np.ndarray, p: tuple, q: tuple) -> np.ndarray:
    """Cody's rational function of ``z``: numerator coefficients ``p`` (one more than ``q``), monic denominator."""
    num, den = p[-1] * z, z.copy()
    for a, b in zip(p[:-2], q[:-1]):
        num += a
        num *= z
        den += b
        den *= z
    return (num + p[-2]) / (den + q[-1])


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function on arrays (NumPy has none), computed in float64 to within a few ulps of ``math.erf``."""
    y = np.abs(x.astype(np.float64))
    out = np.empty_like(y)
    small = y <= 0.46875
    v = y[small]
    out[small] = v * _cody_ratio(v * v, _ERF_A, _ERF_B)
    large = ~small  # NaN lands here and propagates
    # erf = 1 - erfc with erfc <= 0.5 here: exp(-v*v)'s rounding stays far below erf's last bit
    out[large] = 1.0 - _erfc_large(y[large])
    return np.copysign(out, x).astype(x.dtype, copy=False)


def _erfc_large(v: np.ndarray) -> np.ndarray:
    """erfc(v) for float64 ``v > 0.46875``, to full relative precision (no 1 - erf cancellation)."""
    w = np.minimum(v, 4.0)
    erfc = _cody_ratio(w, _ERFC_C, _ERFC_D)
    beyond = v > 4.0
    if beyond.any():
        u = np.minimum(v[beyond], 27.0)  # erfc underflows to 0 long before 27
        z = 1.0 / (u * u)
        erfc[beyond] = (_INV_SQRT_PI - z * _cody_ratio(z, _ERFC_P, _ERFC_Q)) / u
    u = np.minimum(v, 27.0)
    erfc *= np.exp(-u * u)
    return erfc


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function: Giles' single-precision approximation ("Approximating the erfinv function", 2010)
    polished by four Newton steps, which reach float64's precision."""
    v = y.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -np.log((1.0 - v) * (1.0 + v))
        central = w < 5.0
        wc, wt = w - 2.5, np.sqrt(w) - 3.0
        pc = np.full_like(v, 2.81022636e-08)
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                  0.246640727, 1.50140941):
            pc = pc * wc + c
        pt = np.full_like(v, -0.000200214257)
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                  1.00167406, 2.83297682):
            pt = pt * wt + c
        x = np.where(central, pc, pt) * v
        finite = np.isfinite(x)
        # in the tails Newton runs on log erfc(|x|) = log(1 - |y|), exact there and nearly linear, instead of on erf
        tail = finite & (np.abs(x) > 0.5)
        log_rest = np.log(1.0 - np.abs(v))
        for _ in range(4):
            deriv = 1.1283791670955126 * np.exp(-x * x)
            step = (_erf(x) - v) / deriv
            erfc = _erfc_large(np.maximum(np.abs(x), 0.5))
            tail_step = np.sign(x) * (log_rest - np.log(erfc)) * erfc / deriv
            x = np.where(finite, x - np.where(tail, tail_step, step), x)
        x = np.where(np.abs(v) == 1.0, np.copysign(np.inf, v), x)
    return x.astype(y.dtype, copy=False)


class PolygammaBackward0(Op):
    """``polygamma(n, x)``: its derivative is ``polygamma(n + 1, x)``."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return special.polygamma(n, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x), None


def polygamma(n: int, input):
    """The ``n``-th derivative of the digamma function, elementwise."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if not is_real_floating(input._data.dtype):
        input = input.to(get_default_dtype())
    return PolygammaBackward0.apply(input, n)


lgamma, LgammaBackward0 = _pointwise("Lgamma", special.lgamma, lambda g, x, y: g * digamma(x), array_grad=False)
digamma, DigammaBackward0 = _pointwise("Digamma", special.digamma, lambda g, x, y: g * polygamma(1, x),
                                       array_grad=False)
erfinv, ErfinvBackward0 = _pointwise("Erfinv", _erfinv, lambda g, x, y: g * (y * y).exp() * 0.886226925452758,
                                     saves="y", array_grad=lambda g, x, y: g * np.exp(y * y) * 0.886226925452758)


asinh, AsinhBackward0 = _pointwise("Asinh", np.arcsinh, lambda g, x, y: g * (x * x + 1).rsqrt(), array_grad=False)
acosh, AcoshBackward0 = _pointwise("Acosh", np.arccosh, lambda g, x, y: g * (x * x - 1).rsqrt(), array_grad=False)
atanh, AtanhBackward0 = _pointwise("Atanh", np.arctanh, lambda g, x, y: g / (1 - x * x))
deg2rad, Deg2RadBackward0 = _pointwise("Deg2Rad", np.deg2rad, lambda g, x, y: g * 0.017453292519943295, saves="")
rad2deg, Rad2DegBackward0 = _pointwise("Rad2Deg", np.rad2deg, lambda g, x, y: g * 57.29577951308232, saves="")
sgn, SgnBackward0 = _pointwise("Sgn", np.sign, lambda g, x, y: g * 0, saves="", ints="keep")
fix = trunc


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc on arrays: ``1 - erf`` where that loses nothing, the direct series beyond 0.46875."""
    y = x.astype(np.float64)
    out = 1.0 - _erf(y)
    large = y > 0.46875
    out[large] = _erfc_large(y[large])
    return out.astype(x.dtype, copy=False)


erfc, ErfcBackward0 = _pointwise("Erfc", _erfc, lambda g, x, y: g * (-(x * x)).exp() * -1.1283791670955126,
                                 array_grad=lambda g, x, y: g * np.exp(-(x * x)) * -1.1283791670955126)


class LogitBackward0(Op):
    """``logit(x, eps)``: ``log(x / (1 - x))`` of x clamped to [eps, 1 - eps]; no gradient outside that range."""

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        grad = g / (x * (1 - x))
        if ctx.eps is not None:
            grad = grad.masked_fill((x < ctx.eps) | (x > 1 - ctx.eps), 0.0)
        return grad, None


def logit(input, eps: float | None = None):
    """Elementwise ``log(p / (1 - p))``, p clamped to [eps, 1 - eps] when eps is given."""
    if not is_real_floating(input._data.dtype):
        input = input.to(get_default_dtype())
    return LogitBackward0.apply(input, eps)


def _predicate(np_fn, name: str):
    def fn(input):
        return wrap(np.asarray(np_fn(input._data)))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}``: a bool tensor."
    return fn


signbit = _predicate(np.signbit, "signbit")
isneginf = _predicate(np.isneginf, "isneginf")
isposinf = _predicate(np.isposinf, "isposinf")
isreal = _predicate(lambda x: np.isreal(x) if x.dtype.kind == "c" else np.ones(x.shape, dtype=bool), "isreal")


def positive(input):
    """``input`` itself (PyTorch refuses bool tensors)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def mvlgamma(input, p: int):
    """The log of the multivariate gamma function of dimension ``p``, elementwise."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if not is_real_floating(input._data.dtype):
        input = input.to(get_default_dtype())
    halves = wrap(np.arange(p, dtype=input._data.dtype) / 2)
    return lgamma(input.unsqueeze(-1) - halves).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


_frexp_t = named_result("frexp", "mantissa exponent")


def frexp(input):
    """Mantissa in [0.5, 1) (with the input's sign) and int32 exponent: ``input = mantissa * 2 ** exponent``."""
    if not is_real_floating(input._data.dtype):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input._data)
    return _frexp_t(wrap(mantissa), wrap(exponent.astype(np.int32)))


class ClampBackward1(Op):
    """``clamp`` with number bounds."""

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


class ClampMinBackward0(ClampBackward1):
    """``clamp_min`` with a number."""


class ClampMaxBackward0(ClampBackward1):
    """``clamp_max`` with a number."""


def _const(array: np.ndarray):
    return wrap(array)


def clamp(input, min=None, max=None):
    """Clamp into [min, max]; bounds may be numbers or Tensors."""
    return _clamp(input, min, max, ClampBackward1, ClampBackward0)


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return _clamp(input, min, None, ClampMinBackward0, ClampMinBackward1)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return _clamp(input, None, max, ClampMaxBackward0, ClampMaxBackward1)


def _clamp(input, min, max, op, tensor_op):
    """``clamp`` recorded as ``op`` with number bounds, as ``tensor_op`` with a tensor bound."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if hasattr(min, "_data") or hasattr(max, "_data"):
        dt = input._data.dtype
        for b in (min, max):
            if b is not None:
                dt = _promote_np(dt, result_type(input, b))
        input = input if input._data.dtype == dt else input.to(dt)
        lo = min.to(dt) if hasattr(min, "_data") else (None if min is None else np.asarray(min, dtype=dt))
        hi = max.to(dt) if hasattr(max, "_data") else (None if max is None else np.asarray(max, dtype=dt))
        return tensor_op.apply(input, lo, hi)
    if not is_real_floating(input._data.dtype) and (isinstance(min, float) or isinstance(max, float)):
        input = input.to(get_default_dtype())
    elif input._data.dtype == np.bool_:
        input = input.to(int64)
    return op.apply(input, min, max)


def _promote_np(a, b):
    return a if a == b else _promote(a, 2, b, 2)


class ClampBackward0(Op):
    """clamp with tensor bounds: the gradient goes to x inside [min, max], to a bound where it is active."""

    _inputs = (0, 1, 2)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        ctx.shapes = (x.shape, np.shape(lo), np.shape(hi))
        out = x if lo is None else np.maximum(x, lo)
        return out if hi is None else np.minimum(out, hi)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        inside = None
        g_lo = g_hi = None
        if lo is not None:
            inside = x >= lo
            if need[1]:
                # with min > max the output is max everywhere: max gets the gradient
                active = x < lo if hi is None else (x < lo) & (lo < hi)
                g_lo = sum_to(g * active, ctx.shapes[1])
        if hi is not None:
            below = x <= hi
            inside = below if inside is None else inside & below
            if need[2]:
                active = x > hi if lo is None else (x > hi) | (hi < lo)
                g_hi = sum_to(g * active, ctx.shapes[2])
        return (g * inside if need[0] else None), g_lo, g_hi


class ClampMinBackward1(ClampBackward0):
    """``clamp_min`` with a tensor."""

    _inputs = (0, 1)


class ClampMaxBackward1(ClampBackward0):
    """``clamp_max`` with a tensor."""

    _inputs = (0, 2)


class WhereBackward0(Op):
    _inputs = (1, 2)  # the condition is no input of PyTorch's node; a number operand is (it wraps it)

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
                           f"{_type_name(condition._data.dtype)}")
    return WhereBackward0.apply(condition, input, other)
