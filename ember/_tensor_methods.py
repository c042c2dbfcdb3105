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
    "atan2", "arctan2", "hypot", "logaddexp", "xlogy", "sinc", "cumprod", "cummax", "cummin", "diag", "diagonal",
    "diag_embed", "trace", "repeat_interleave", "kron", "index_add", "index_copy", "index_fill", "masked_scatter",
    "take", "take_along_dim", "unique",
]
_ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "negative": "neg",
            "absolute": "abs", "clip": "clamp", "round": "round_", "arctan": "atan", "arcsin": "asin",
            "arccos": "acos", "swapaxes": "transpose"}
_INPLACE = ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs",
            "neg", "sign", "floor", "ceil", "trunc", "round_", "reciprocal", "square", "remainder", "floor_divide",
            "scatter", "scatter_add", "erf", "addcmul", "addcdiv", "lerp", "clamp_min", "clamp_max", "tril", "triu",
            "tan", "exp2", "log2", "log10", "frac", "atan", "asin", "acos", "sinh", "cosh", "atan2", "arctan2", "hypot",
            "xlogy", "sinc", "cumprod", "index_add", "index_copy", "index_fill", "masked_scatter"]

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


def _inplace_view(fn, grad_name: str | None):
    """``t_``, ``transpose_``, ...: ``self`` itself becomes the view ``fn(self)`` (recorded as ``grad_name``)."""
    def method(self, *args):
        from .autograd.grad_mode import STATE

        if STATE.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        out = fn(self, *args)
        if out is self:
            return self
        node = out.grad_fn
        if node is not None and node is not self.grad_fn and grad_name is not None:
            node._name = grad_name
        self._data = out._data
        if node is not None:
            self.grad_fn, self._output_nr = node, out._output_nr
        self._version_counter[0] += 1
        return self

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``: this tensor becomes the view."
    return method


def _squeeze_(self, dim=None):
    return (_squeeze_all if dim is None else _squeeze_dim)(self, *(() if dim is None else (dim,)))


_squeeze_all = _inplace_view(ops.squeeze, "SqueezeBackward3")
_squeeze_dim = _inplace_view(ops.squeeze, "SqueezeBackward4")
Tensor.t_ = _inplace_view(ops.t, "TBackward1")
Tensor.transpose_ = _inplace_view(ops.transpose, "TransposeBackward1")
Tensor.swapaxes_ = Tensor.swapdims_ = Tensor.transpose_
Tensor.unsqueeze_ = _inplace_view(ops.unsqueeze, "UnsqueezeBackward1")
Tensor.squeeze_ = _squeeze_


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
