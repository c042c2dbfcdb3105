"""The Tensor: a NumPy array plus autograd state. Operators and methods delegate to ``ember.ops``."""
from __future__ import annotations

import numpy as np

from . import _dtype
from ._device import CPU, check_device, device as _device_cls
from ._dtype import _type_name as _type_word  # noqa: F401  (imported from here by nn ops: "Float", "Long", ...)
from ._size import Size
from .autograd import function
from .autograd.grad_mode import STATE
from .autograd.inplace import apply_inplace
from .ops import arith, compare, index, pointwise, shape


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
        check_device(device)
        np_dtype = _dtype.to_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().np
        if not args:
            data = np.zeros(0, dtype=np_dtype)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]._data  # Tensor(t) aliases t, keeping its dtype
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            data = np.array(args[0], dtype=np_dtype)
        else:
            from ._creation import _size

            data = np.zeros(_size(args), dtype=np_dtype)
        _init(self, data)

    # -- basic properties -----------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from .ops._util import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> _device_cls:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

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
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

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
        return self.permute(tuple(range(self.ndim - 1, -1, -1))) if self.ndim > 1 else self

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
            import warnings

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
        if value and self._data.dtype.kind != "f":
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
        return shape.ToCopy.apply(self, np_dtype)

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            return "ember." + _LEGACY_NAMES[self._data.dtype.name]
        if isinstance(dtype, str):
            names = {v: k for k, v in _LEGACY_NAMES.items()}
            dtype = _dtype.from_numpy_dtype(np.dtype(names[dtype.split(".")[-1]]))
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        check_device("cuda")

    def float(self) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        return self.to(_dtype.float16)

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
    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        if gradient is None and inputs is None and self._requires_grad and self._data.size == 1:
            # the training loop's ``loss.backward()``: no argument checks to make, a ones gradient to build
            from .autograd.engine import run_backward

            ones = wrap(np.ones(self._data.shape, dtype=self._data.dtype))
            run_backward((self,), (ones,), create_graph if retain_graph is None else retain_graph, create_graph)
            return
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        out = wrap(self._data)
        out._version_counter = self._version_counter
        return out

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref

        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                t._grad = grad.detach().clone() if t._grad is None else t._grad + grad

        self._retains_grad = True
        self.grad_fn._tensor_hooks_of(self._output_nr).append(store)

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a replacement."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            return function._add_hook(self._hooks, hook)
        hooks = self.grad_fn._tensor_hooks_of(self._output_nr)
        return function._add_hook(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        return function._add_hook(self._post_accumulate_hooks, hook)

    def _own_copy(self, np_dtype) -> "Tensor":
        return wrap(np.array(self._data, dtype=np_dtype, order="C"))

    # -- printing -----------------------------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    # -- in-place ops ---------------------------------------------------------------------------------------------
    def _inplace(self, fn, *args, **kwargs) -> "Tensor":
        """Compute ``fn(self, *args)`` out of place, then write it into this tensor's storage (see
        ``ember.autograd.inplace``: history, saved values and views follow PyTorch's rules)."""
        return apply_inplace(self, fn, args, kwargs)

    def _bump(self) -> "Tensor":
        self._version_counter[0] += 1
        return self

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
        return self.fill_(0)

    def fill_(self, value):
        value = value if isinstance(value, Tensor) else wrap(np.asarray(value, dtype=self._data.dtype))
        return self.copy_(value)

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

    # -- methods with names that differ from the function names --------------------------------------------
    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        from ._creation import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        from ._creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        from ._creation import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        from ._creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def clone(self, *, memory_format=None) -> "Tensor":
        return shape.Clone.apply(self)

    def contiguous(self, memory_format=None) -> "Tensor":
        return self if self._data.flags.c_contiguous else shape.Contiguous.apply(self)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return self.expand(other.shape)

    def view_as(self, other: "Tensor") -> "Tensor":
        return self.view(other.shape)

    def reshape_as(self, other: "Tensor") -> "Tensor":
        return self.reshape(other.shape)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> "Tensor":
        from ._random import default_generator

        return self._fill_random((generator or default_generator).uniform(a, b, self.shape, self._data.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> "Tensor":
        from ._random import default_generator

        return self._fill_random((generator or default_generator).normal(mean, std, self.shape, self._data.dtype))

    def bernoulli_(self, p: float = 0.5, *, generator=None) -> "Tensor":
        from ._random import default_generator

        draws = (generator or default_generator).uniform(0, 1, self.shape, np.float64)
        return self._fill_random(draws < p)

    def random_(self, from_: int = 0, to: int | None = None, *, generator=None) -> "Tensor":
        from ._random import default_generator

        if to is None:
            from_, to = 0, from_ if from_ else 2 ** 24
        return self._fill_random((generator or default_generator).integers(from_, to, self.shape))

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> "Tensor":
        from ._random import default_generator

        return self._fill_random((generator or default_generator).exponential(1 / lambd, self.shape))

    def _fill_random(self, values: np.ndarray) -> "Tensor":
        if STATE.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        self._data[...] = values
        return self._bump()

    def __eq__(self, other):
        return compare.eq(self, other)

    def __ne__(self, other):
        return compare.ne(self, other)

    def __lt__(self, other):
        return compare.lt(self, other)

    def __le__(self, other):
        return compare.le(self, other)

    def __gt__(self, other):
        return compare.gt(self, other)

    def __ge__(self, other):
        return compare.ge(self, other)


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, "
    "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
    "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


def _replaced_by(dst: Tensor, src: Tensor) -> Tensor:
    """What ``dst.copy_(src)`` computes: src cast and broadcast to dst (dst's old values get no gradient)."""
    out = src.to(dst.dtype).expand(dst.shape)
    if out.grad_fn is not None:
        out.grad_fn._name = "CopyBackwards"
    return out


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
                 "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor"}


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


function._Tensor = Tensor
function._wrap = wrap
