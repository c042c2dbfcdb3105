"""The Tensor class: a NumPy array plus autograd state, at the bottom of ember's layers.

This file holds what needs no op: storage, properties, conversions, ``requires_grad``/``grad``, printing and
pickling. Autograd builds Tensors, so the class sits below it; the methods that run ops or the engine (arithmetic,
indexing, in-place ops, ``backward``, hooks) are attached from above by ``ember._tensor_methods``.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype, _naming
from ._device import CPU, check_device, device as _device_cls, not_compiled
from ._size import Size, normalize_dim, parse_size
from ._tensor_str import tensor_repr
from ._dtype import is_floating, is_real_floating


class Tensor:
    """A multi-dimensional array that can record the operations applied to it for automatic differentiation.

    ``Tensor(data)`` is the legacy constructor of old tutorials: it makes a float32 tensor from data, or an
    uninitialised one from sizes (``Tensor(2, 3)``). Prefer ``ember.tensor``.
    """

    __module__ = "ember"  # printed as <class 'ember.Tensor'>, as PyTorch prints <class 'torch.Tensor'>
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version_counter", "__weakref__",
                 "__dict__")
    # rarely set, so kept out of the slots: instances override these class defaults when they need to
    _accumulator = None
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    _base = None  # for a view: the tensor whose storage it shares (in-place ops through it update the base)

    def __init__(self, *args, device=None, dtype=None) -> None:
        check_device(device, factory=True)
        np_dtype = _dtype.to_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().np
        if not args:
            data = np.zeros(0, dtype=np_dtype)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]._data  # Tensor(t) aliases t, keeping its dtype
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            data = np.array(args[0], dtype=np_dtype)
        else:
            data = np.zeros(parse_size(args), dtype=np_dtype)
        _init(self, data)

    # -- basic properties -----------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> _device_cls:
        return CPU

    # a CPU build's answers: the data is always in host memory
    is_cuda = is_xpu = is_mps = is_meta = is_mkldnn = is_sparse = is_quantized = is_nested = property(
        lambda self: False)
    is_cpu = property(lambda self: True)

    def get_device(self) -> int:
        """-1: the tensor is on the CPU (a GPU tensor would give its device index)."""
        return -1

    def is_pinned(self, device=None) -> bool:
        return False

    def pin_memory(self, device=None) -> "Tensor":
        """PyTorch's CPU build has no pinned memory to copy into."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def is_floating_point(self) -> bool:
        return is_real_floating(self._data.dtype)

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @property
    def data(self) -> "Tensor":
        """The same storage without history (changes through it are not tracked by autograd)."""
        return wrap(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data

    @property
    def T(self) -> "Tensor":
        if self.ndim == 0:
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
        elif self.ndim != 2:
            warnings.warn(_T_NOT_2D, UserWarning, stacklevel=2)
        return self.permute(tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                               "tensor.")
        return self.transpose(-2, -1)

    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated by backward (None until one arrives); only leaves and tensors that called
        ``retain_grad()`` receive one."""
        grad = self._grad
        if grad is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not is_floating(self._data.dtype):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    # -- conversion ---------------------------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self._data.dtype.kind == "V" and _dtype.is_bfloat16(self._data.dtype):  # NumPy has no such dtype
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __contains__(self, element) -> bool:
        return bool((self == element).any())

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self.requires_grad))

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """A leaf's copy with its own data, requires_grad and a copy of ``.grad`` (PyTorch refuses non-leaves)."""
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        if id(self) in memo:
            return memo[id(self)]
        out = _rebuild(self._data.copy(order="K"), self.requires_grad)
        memo[id(self)] = out
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        return out

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            return f"{_naming.PACKAGE}.{_dtype._type_name(self._data.dtype)}Tensor"
        if isinstance(dtype, str):  # a legacy type name: "ember.FloatTensor" (or "torch.FloatTensor")
            word = dtype.split(".")[-1]
            found = _dtype._from_type_name(word[:-len("Tensor")]) if word.endswith("Tensor") else None
            if found is None:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = found
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        raise not_compiled("cuda")

    def xpu(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        raise not_compiled("xpu")

    def float(self) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        return self.to(_dtype.float16)

    def bfloat16(self) -> "Tensor":
        return self.to(_dtype.bfloat16)

    def long(self) -> "Tensor":
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        return self.to(_dtype.int16)

    def char(self) -> "Tensor":
        return self.to(_dtype.int8)

    def byte(self) -> "Tensor":
        return self.to(_dtype.uint8)

    def bool(self) -> "Tensor":
        return self.to(_dtype.bool_)

    # -- autograd -----------------------------------------------------------------------------------------------
    def detach(self) -> "Tensor":
        out = wrap(self._data)
        out._version_counter = self._version_counter
        return out

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def _own_copy(self, np_dtype) -> "Tensor":
        return wrap(np.array(self._data, dtype=np_dtype, order="C"))

    def _bump(self) -> "Tensor":
        self._version_counter[0] += 1
        return self

    # -- printing -----------------------------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None) -> str:
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, "
    "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
    "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")
_T_NOT_2D = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an "
    "error in a future release. Consider `x.mT` to transpose batches of matrices or "
    "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")


def _init(t: Tensor, data: np.ndarray, requires_grad: bool = False) -> None:
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version_counter = [0]


_new = object.__new__


def wrap(data) -> Tensor:
    """A history-free Tensor over ``data`` (no copy); NumPy scalars become 0-d arrays."""
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    t = _new(Tensor)
    # _init's fields, set here directly: wrap runs once per op output and per gradient, a call costs
    t._data = data
    t._requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version_counter = [0]
    return t


def _rebuild(data, requires_grad):
    t = wrap(data)
    t.requires_grad = requires_grad
    return t

