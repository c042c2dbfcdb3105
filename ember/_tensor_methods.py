"""Tensor's methods that run ops or the autograd engine, attached to the class defined in ``ember._tensor``.

Two parts: ``_Methods``, written out like a class body (conversions, in-place writes, indexing, ``backward`` and
hooks), and the tables that bind the op functions as methods, operators and in-place variants (no wrappers).
Attaching from here keeps ``_tensor`` below autograd and ops: they build Tensors, and these methods use them.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict

import numpy as np

from . import _dtype, _naming, ops
from ._creation import bernoulli, full, multinomial, ones, tensor, zeros
from ._device import check_device
from ._random import default_generator
from ._tensor import Tensor, wrap
from ._tensor import wrap as _wrap  # for methods whose own argument is named wrap (fill_diagonal_)
from .autograd import backward as autograd_backward
from .autograd.engine import run_backward
from .autograd.grad_mode import STATE
from .ops import arith, index, pointwise, rearrange, shape
from .ops.inplace import CopyBackwards, FillBackward2, FillBackward3, ZeroBackward0, apply_inplace
from .utils.hooks import RemovableHandle, _add_hook
from ._dtype import is_real_floating


class _Methods:
    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns self when nothing changes."""
        dtype = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        if "device" in kwargs:
            check_device(kwargs["device"])
        for a in args:
            if isinstance(a, _dtype.dtype) or a is float or a is int or a is bool:
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, np.dtype):
                dtype = _dtype.from_numpy_dtype(a)
            else:
                check_device(a)
        if dtype is None:
            return self.clone() if copy else self
        np_dtype = _dtype.to_numpy_dtype(dtype)
        if np_dtype == self._data.dtype:
            return self.clone() if copy else self
        return shape.ToCopyBackward0.apply(self, np_dtype)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        if gradient is None and inputs is None and self._requires_grad and self._data.size == 1:
            # the training loop's ``loss.backward()``: no argument checks to make, a ones gradient to build
            ones = wrap(np.ones(self._data.shape, dtype=self._data.dtype))
            run_backward((self,), (ones,), create_graph if retain_graph is None else retain_graph, create_graph)
            return
        autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                t._grad = grad.detach().clone() if t._grad is None else t._grad + grad

        self._retains_grad = True
        self.grad_fn._retain_grad_of(self._output_nr, store)

    def register_hook(self, hook) -> RemovableHandle:
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a replacement."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = OrderedDict()
            return _add_hook(self._hooks, hook)
        return _add_hook(self.grad_fn._tensor_hooks_of(self._output_nr), hook)

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        """``hook(tensor)`` runs after a leaf's gradient has been accumulated into ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = OrderedDict()
        return _add_hook(self._post_accumulate_hooks, hook)

    def _inplace(self, fn, *args, **kwargs) -> "Tensor":
        """Compute ``fn(self, *args)`` out of place, then write it into this tensor's storage (see
        ``ember.ops.inplace``: history, saved values and views follow PyTorch's rules)."""
        return apply_inplace(self, fn, args, kwargs)

    def add_(self, other, *, alpha=1):
        return self._inplace(arith.add, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return self._inplace(arith.sub, other, alpha=alpha)

    def mul_(self, other):
        return self._inplace(arith.mul, other)

    def div_(self, other, *, rounding_mode=None):
        return self._inplace(arith.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return self._inplace(arith.pow, exponent)

    def clamp_(self, min=None, max=None):
        return self._inplace(pointwise.clamp, min, max)

    clip_ = clamp_

    def masked_fill_(self, mask, value):
        return self._inplace(index.masked_fill, mask, value)

    def copy_(self, src, non_blocking: bool = False):
        src = src if isinstance(src, Tensor) else wrap(np.asarray(src))
        if STATE.enabled and (self.requires_grad or src.requires_grad):
            return self._inplace(_replaced_by, src)
        self._data[...] = src._data
        return self._bump()

    def zero_(self):
        if STATE.enabled and self._requires_grad:
            return self._inplace(ZeroBackward0.apply)
        return self.fill_(0)

    def fill_(self, value):
        is_tensor = isinstance(value, Tensor)
        if STATE.enabled and (self._requires_grad or is_tensor and value._requires_grad):
            return self._inplace(FillBackward3.apply if is_tensor else FillBackward2.apply, value)
        return self.copy_(value if is_tensor else wrap(np.asarray(value, dtype=self._data.dtype)))

    def __setitem__(self, key, value) -> None:
        key = index.to_numpy_index(key)
        is_tensor = isinstance(value, Tensor)
        if STATE.enabled and (self._requires_grad or is_tensor and value._requires_grad):
            if self._requires_grad and self.grad_fn is None and not index._is_advanced(key) and key is not Ellipsis:
                # PyTorch writes through a view here, hence its message
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            if not is_tensor:
                value = wrap(np.asarray(value, dtype=self._data.dtype))
            self._inplace(lambda s, v: index.index_put(s, key, v.to(s.dtype)), value)
            return
        if not self._data.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        index.assign(self._data, key, value._data if is_tensor else value)
        self._bump()

    def __getitem__(self, key) -> "Tensor":
        return index.getitem(self, key)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def clone(self, *, memory_format=None) -> "Tensor":
        return shape.CloneBackward0.apply(self)

    def contiguous(self, memory_format=None) -> "Tensor":
        return self if self._data.flags.c_contiguous else shape.CloneBackward0.apply(self)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return self.expand(other.shape)

    def view_as(self, other: "Tensor") -> "Tensor":
        return self.view(other.shape)

    def reshape_as(self, other: "Tensor") -> "Tensor":
        return self.reshape(other.shape)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_uniform, a, b)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_normal, mean, std)

    def bernoulli_(self, p=0.5, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_bernoulli, p._data if isinstance(p, Tensor)
                                 else p)

    def random_(self, from_: int | None = None, to: int | None = None, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_random, from_, to)

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_exponential, lambd)

    def geometric_(self, p: float, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_geometric, p)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_log_normal, mean, std)

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> "Tensor":
        return self._fill_random((generator or default_generator).fill_cauchy, median, sigma)

    def _fill_random(self, fill, *args) -> "Tensor":
        """Run a generator's ``fill_*`` on this tensor's storage, as PyTorch's in-place random ops do."""
        if STATE.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        fill(self._data, *args)
        return self._bump()

    def t_(self) -> "Tensor":
        return _become_view(self, shape.TBackward1, shape.t_dims(self._data.ndim))

    def transpose_(self, dim0: int, dim1: int) -> "Tensor":
        return _become_view(self, shape.TransposeBackward1, shape.swapped_dims(self._data.ndim, dim0, dim1))

    def unsqueeze_(self, dim: int) -> "Tensor":
        return _become_view(self, shape.UnsqueezeBackward1, shape.unsqueezed_shape(self._data.shape, dim))

    def squeeze_(self, dim=None) -> "Tensor":
        op = shape.SqueezeBackward3 if dim is None else shape.SqueezeBackward4 if isinstance(dim, int) else \
            shape.SqueezeBackward5
        return _become_view(self, op, shape.squeezed_shape(self._data.shape, dim))


class _MoreMethods:
    """Methods PyTorch has only on Tensor: queries that a CPU tensor answers at once, and small compositions."""

    def unfold(self, dimension: int, size: int, step: int) -> "Tensor":
        return rearrange.unfold(self, dimension, size, step)

    def sum_to_size(self, *size) -> "Tensor":
        return rearrange.sum_to_size(self, *size)

    def polygamma(self, n: int) -> "Tensor":
        return ops.polygamma(n, self)

    def polygamma_(self, n: int) -> "Tensor":
        return self._inplace(lambda t: ops.polygamma(n, t))

    def float_power_(self, exponent) -> "Tensor":
        wide = np.complex128 if self._data.dtype.kind == "c" else np.float64
        if self._data.dtype != wide:
            raise RuntimeError(f"the base given to float_power_ has dtype {_dtype._type_name(self._data.dtype)} but "
                               f"the operation's result requires dtype {_dtype._type_name(np.dtype(wide))}")
        return self._inplace(ops.float_power, exponent)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None) -> "Tensor":
        return multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p=None, *, generator=None) -> "Tensor":
        return bernoulli(self, p, generator=generator)

    def fill_diagonal_(self, fill_value, wrap: bool = False) -> "Tensor":
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        mask = np.zeros(self.shape, dtype=bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        return self._inplace(index.masked_fill, _wrap(mask), fill_value)

    def cdouble(self) -> "Tensor":
        return self.to(_dtype.complex128)

    def cfloat(self) -> "Tensor":
        return self.to(_dtype.complex64)

    @property
    def mH(self) -> "Tensor":
        return rearrange.adjoint(self)

    @property
    def H(self) -> "Tensor":
        if self.ndim > 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
        return rearrange.adjoint(self) if self.ndim == 2 else self

    @property
    def layout(self):
        return _dtype.strided

    @property
    def name(self) -> None:
        return None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def is_ipu(self) -> bool:
        return False

    is_xla = is_vulkan = is_maia = is_mtia = is_ipu

    def is_conj(self) -> bool:
        return False

    def is_neg(self) -> bool:
        return False

    def resolve_neg(self) -> "Tensor":
        return self

    def is_inference(self) -> bool:
        return False

    def is_distributed(self) -> bool:
        return False

    def is_shared(self) -> bool:
        return False

    def share_memory_(self) -> "Tensor":
        """A NumPy array already lives in memory other processes can be handed (by fork): nothing to move."""
        return self

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def is_same_size(self, other: "Tensor") -> bool:
        return tuple(self.shape) == tuple(other.shape)

    def is_nonzero(self) -> bool:
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def is_set_to(self, tensor: "Tensor") -> bool:
        a, b = self._data, tensor._data
        return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape \
            and a.strides == b.strides and a.dtype == b.dtype

    def storage_offset(self) -> int:
        """Elements between the start of the storage (the array this one views) and this tensor's first."""
        root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        start = root.__array_interface__["data"][0]
        return (self._data.__array_interface__["data"][0] - start) // self._data.itemsize

    def dim_order(self) -> tuple:
        """The dims from the outermost to the innermost in memory (by decreasing stride)."""
        strides = self._data.strides
        return tuple(sorted(range(self.ndim), key=lambda d: -strides[d]))

    def new_empty_strided(self, size, stride, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return self.new_zeros(size, dtype=dtype, requires_grad=requires_grad)

    def apply_(self, callable) -> "Tensor":
        """``callable`` (a Python function of one number) applied to every element, in place (as PyTorch, one
        Python call per element: for small tensors only)."""
        flat = self._data.reshape(-1)
        self.copy_(wrap(np.fromiter(map(callable, flat.tolist()), self._data.dtype, flat.size)
                         .reshape(self._data.shape)))
        return self

    def map_(self, tensor: "Tensor", callable) -> "Tensor":
        """``callable(self_element, other_element)`` for every element pair (``tensor`` broadcast), in place."""
        if tensor._data.dtype != self._data.dtype:
            names = [f"{_naming.PACKAGE}.{_dtype._type_name(d)}Tensor" for d in (self._data.dtype, tensor._data.dtype)]
            raise TypeError(f"map_: expected {names[0]} for 'other' (got {names[1]})")
        other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
        values = map(callable, self._data.reshape(-1).tolist(), other)
        self.copy_(wrap(np.fromiter(values, self._data.dtype, self._data.size).reshape(self._data.shape)))
        return self

    def resize_(self, *sizes, memory_format=None) -> "Tensor":
        """This tensor with ``sizes``: its first elements kept, new ones zero (PyTorch leaves them uninitialised)."""
        shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
        if STATE.enabled and self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        flat = self._data.reshape(-1)
        out = np.zeros(int(np.prod(shape)), dtype=self._data.dtype)
        out[:min(flat.size, out.size)] = flat[:out.size]
        self._data = out.reshape(shape)
        return self._bump()

    def resize_as_(self, tensor: "Tensor", memory_format=None) -> "Tensor":
        return self.resize_(tuple(tensor.shape))


def _replaced_by(dst: Tensor, src: Tensor) -> Tensor:
    """What ``dst.copy_(src)`` computes: src cast and broadcast to dst (dst's old values get a zero gradient)."""
    return CopyBackwards.apply(dst, src)


def _become_view(self, op, arg) -> Tensor:
    """``self`` itself becomes the view ``op.apply(self, arg)``: the in-place view ops, each recorded under its
    own node (``TBackward1``, ``SqueezeBackward3``...) as in PyTorch."""
    if STATE.enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    out = op.apply(self, arg)
    self._data = out._data
    if out.grad_fn is not None:
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
    self._version_counter[0] += 1
    return self


for _methods in (_Methods, _MoreMethods):
    for _name, _method in vars(_methods).items():
        if _name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
            setattr(Tensor, _name, _method)

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
    "det", "logdet", "slogdet", "inverse", "cholesky", "cholesky_inverse", "cholesky_solve", "triangular_solve",
    "qr", "svd", "pinverse", "cross", "matrix_power", "matrix_exp", "angle", "conj", "conj_physical", "resolve_conj",
    "lgamma", "digamma", "erfinv",
    "tensor_split", "hsplit", "vsplit", "dsplit", "tile", "rot90", "fliplr", "flipud",
    "median", "nanmedian", "quantile", "nanquantile", "nansum", "nanmean", "count_nonzero", "histc", "histogram",
    "bincount", "diff", "logcumsumexp", "unique_consecutive", "logaddexp2", "i0", "nan_to_num",
    "addmv", "addr", "baddbmm", "addbmm",
    "acosh", "asinh", "atanh", "deg2rad", "rad2deg", "erfc", "fix", "logit", "sgn", "signbit", "isneginf", "isposinf",
    "isreal", "positive", "fmod", "copysign", "fmax", "fmin", "gcd", "lcm", "ldexp", "nextafter", "float_power",
    "heaviside", "kthvalue", "mode", "msort", "adjoint", "movedim", "moveaxis", "ravel", "split_with_sizes",
    "swapdims", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "aminmax", "dist", "inner", "vdot", "ger",
    "cov", "corrcoef", "diagflat", "argwhere", "igamma", "igammac", "renorm", "mvlgamma", "index_put", "put",
    "select_scatter", "slice_scatter", "diagonal_scatter",
]
_ALIASES = {**ops._ALIASES, "round": "round_"}
_INPLACE = ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs",
            "neg", "sign", "floor", "ceil", "trunc", "round_", "reciprocal", "square", "remainder", "floor_divide",
            "scatter", "scatter_add", "erf", "addcmul", "addcdiv", "lerp", "clamp_min", "clamp_max", "tril", "triu",
            "tan", "exp2", "log2", "log10", "frac", "atan", "asin", "acos", "sinh", "cosh", "atan2", "arctan2", "hypot",
            "xlogy", "sinc", "cumprod", "index_add", "index_copy", "index_fill", "masked_scatter", "lgamma", "digamma",
            "erfinv", "i0", "nan_to_num", "addmv", "addr", "baddbmm", "addbmm",
            "acosh", "asinh", "atanh", "deg2rad", "rad2deg", "erfc", "fix", "logit", "sgn", "fmod", "copysign", "gcd",
            "lcm", "ldexp", "nextafter", "heaviside", "igamma", "igammac", "eq", "ne", "lt", "le", "gt",
            "ge", "greater", "greater_equal", "less", "less_equal", "not_equal", "logical_and", "logical_or",
            "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "cumsum", "addmm",
            "arccos", "arcsin", "arctan", "arccosh", "arcsinh", "arctanh", "absolute", "negative", "multiply",
            "divide", "subtract", "true_divide", "renorm", "mvlgamma", "index_put", "put"]

for _name in _METHODS:
    setattr(Tensor, _name, getattr(ops, _name))
for _alias, _target in _ALIASES.items():
    setattr(Tensor, _alias, getattr(ops, _target))


def _plain(fn):
    """The function without the top-level ``out=`` wrapper (``ember/ops/_out.py``): operators and in-place
    methods, the hot path, call the op directly."""
    return getattr(fn, "_without_out", fn)


def _make_inplace(fn):
    def method(self, *args, **kwargs):
        return self._inplace(fn, *args, **kwargs)

    method.__name__ = fn.__name__.rstrip("_") + "_"
    method.__doc__ = f"In-place ``{fn.__name__.rstrip('_')}``."
    return method


for _name in _INPLACE:
    setattr(Tensor, _name.rstrip("_") + "_", _make_inplace(_plain(getattr(ops, _name))))


Tensor.swapaxes_ = Tensor.swapdims_ = Tensor.transpose_
# views of a complex tensor's parts, properties as in PyTorch
Tensor.real = property(ops.real)
Tensor.imag = property(ops.imag)


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _where(self, condition, other):
    return ops.where(condition, self, other)


def _matmul_r(self, other):
    return ops.matmul(other, self)


def _invert(self):
    if is_real_floating(self._data.dtype):
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
    "__ipow__": Tensor.pow_, "where": _where, "__eq__": ops.eq, "__ne__": ops.ne, "__lt__": ops.lt,
    "__le__": ops.le, "__gt__": ops.gt, "__ge__": ops.ge,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _plain(_fn))


# the Tensor methods PyTorch also has as top-level functions (bound in ``ember/__init__.py``)
TOP_LEVEL_METHODS = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_",
    "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_",
    "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "resize_as_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "is_conj", "is_neg", "is_nonzero", "is_same_size", "is_signed",
    "is_inference", "resolve_neg", "get_device",
)
