"""Attach the op functions to Tensor as methods, operators and in-place variants (one table, no wrappers)."""
from __future__ import annotations

from . import ops
from ._tensor import Tensor

_METHODS = [
    "add", "sub", "mul", "div", "pow", "remainder", "neg", "maximum", "minimum", "floor_divide",
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "sinh", "cosh", "tanh", "sigmoid", "reciprocal", "relu", "abs", "sign", "square", "floor", "ceil",
    "trunc", "frac", "erf", "clamp",
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp", "norm",
    "cumsum", "all", "any", "softmax", "log_softmax",
    "matmul", "mm", "bmm", "dot", "mv", "outer",
    "view", "reshape", "permute", "transpose", "t", "unsqueeze", "squeeze", "flatten", "unflatten", "expand",
    "repeat", "flip", "roll", "split", "chunk", "unbind", "narrow",
    "gather", "scatter", "scatter_add", "index_select", "masked_fill", "masked_select", "nonzero",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf",
    "isfinite", "equal", "allclose", "isclose", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "addmm", "clamp_min", "clamp_max",
    "addcmul", "addcdiv", "lerp", "sort", "argsort", "topk", "tril", "triu", "select", "broadcast_to",
]
_ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "negative": "neg",
            "absolute": "abs", "clip": "clamp", "round": "round_", "arctan": "atan", "arcsin": "asin",
            "arccos": "acos", "swapaxes": "transpose"}
_INPLACE = ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs",
            "neg", "sign", "floor", "ceil", "trunc", "round_", "reciprocal", "square", "remainder", "floor_divide",
            "scatter", "scatter_add", "erf", "addcmul", "addcdiv", "lerp", "clamp_min", "clamp_max", "tril", "triu",
            "tan", "exp2", "log2", "log10", "frac", "atan", "asin", "acos", "sinh", "cosh"]

for _name in _METHODS:
    setattr(Tensor, _name, getattr(ops, _name))
for _alias, _target in _ALIASES.items():
    setattr(Tensor, _alias, getattr(ops, _target))


def _make_inplace(fn):
    def method(self, *args, **kwargs):
        return self._inplace(fn, *args, **kwargs)

    method.__name__ = fn.__name__.rstrip("_") + "_"
    method.__doc__ = f"In-place ``{fn.__name__.rstrip('_')}``."
    return method


for _name in _INPLACE:
    setattr(Tensor, _name.rstrip("_") + "_", _make_inplace(getattr(ops, _name)))


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _where(self, condition, other):
    return ops.where(condition, self, other)


def _matmul_r(self, other):
    return ops.matmul(other, self)


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return ops.bitwise_not(self)


_OPERATORS = {
    "__add__": ops.add, "__radd__": ops.add, "__sub__": ops.sub, "__rsub__": _reflected(ops.sub),
    "__mul__": ops.mul, "__rmul__": ops.mul, "__truediv__": ops.div, "__rtruediv__": _reflected(ops.div),
    "__floordiv__": ops.floor_divide, "__rfloordiv__": _reflected(ops.floor_divide),
    "__mod__": ops.remainder, "__rmod__": _reflected(ops.remainder), "__pow__": ops.pow,
    "__rpow__": _reflected(ops.pow), "__matmul__": ops.matmul, "__rmatmul__": _matmul_r, "__neg__": ops.neg,
    "__abs__": ops.abs, "__and__": ops.bitwise_and, "__or__": ops.bitwise_or, "__xor__": ops.bitwise_xor,
    "__invert__": _invert, "__rand__": ops.bitwise_and, "__ror__": ops.bitwise_or, "__rxor__": ops.bitwise_xor,
    "__iadd__": Tensor.add_, "__isub__": Tensor.sub_, "__imul__": Tensor.mul_, "__itruediv__": Tensor.div_,
    "__ipow__": Tensor.pow_, "where": _where,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn)
