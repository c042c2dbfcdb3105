"""More ways to build a tensor: PyTorch's legacy typed constructors (``ember.FloatTensor(2, 3)``,
``ember.LongTensor([1, 2])``), ``asarray`` (sharing memory with its source when it can) and ``frombuffer``.

The legacy names are not classes of tensors, as in PyTorch: calling one returns a plain ``Tensor``, and
``isinstance(t, ember.FloatTensor)`` asks whether ``t`` is a float32 tensor.
"""
from __future__ import annotations

import numpy as np

from .._creation import as_tensor, tensor
from .._device import device as _device_class
from .._dtype import (_cpp_type_name, _type_name, bfloat16, bool_, dtype as _dtype_class, float16, float32, float64,
                      get_default_dtype, int8, int16, int32, int64, to_numpy_dtype, uint8)
from .._size import Size
from .._tensor import Tensor, wrap

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor", "asarray", "frombuffer"]


def _options(np_dtype) -> str:
    return (f"TensorOptions(dtype={_cpp_type_name(np_dtype)}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


class _LegacyTensorType(type):
    """The metaclass of the legacy constructors: ``isinstance`` checks the dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __repr__(cls) -> str:
        return f"<class 'ember.{cls.__name__}'>"


class _LegacyTensor(metaclass=_LegacyTensorType):
    """``XTensor(*sizes)``, ``XTensor(size)``, ``XTensor(data)`` or ``XTensor(tensor)`` (of this dtype, shared)."""

    dtype: _dtype_class

    def __new__(cls, *args, device=None):
        if device is not None and _device_class(device).type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{_device_class(device).type} was passed")
        np_dtype = cls.dtype.np
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0]._data.dtype != np_dtype:
                raise TypeError(f"expected {_options(np_dtype)} (got {_options(args[0]._data.dtype)})")
            return wrap(args[0]._data)
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            return tensor(args[0], dtype=cls.dtype)
        sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
        for i, s in enumerate(sizes):
            if not isinstance(s, int):
                raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {type(s).__name__}\"")
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
        return wrap(np.zeros(sizes if sizes else (0,), np_dtype))


def _legacy(name: str, d: _dtype_class) -> type:
    return _LegacyTensorType(name, (_LegacyTensor,), {"dtype": d, "__module__": "ember",
                                                       "__doc__": f"Legacy constructor of {d.name} tensors."})


FloatTensor = _legacy("FloatTensor", float32)
DoubleTensor = _legacy("DoubleTensor", float64)
HalfTensor = _legacy("HalfTensor", float16)
BFloat16Tensor = _legacy("BFloat16Tensor", bfloat16)
LongTensor = _legacy("LongTensor", int64)
IntTensor = _legacy("IntTensor", int32)
ShortTensor = _legacy("ShortTensor", int16)
CharTensor = _legacy("CharTensor", int8)
ByteTensor = _legacy("ByteTensor", uint8)
BoolTensor = _legacy("BoolTensor", bool_)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    """``obj`` as a tensor, sharing memory with a tensor or NumPy array source unless ``copy`` (or a dtype change)
    needs a new one; ``copy=False`` raises where sharing is impossible."""
    if isinstance(obj, Tensor):
        if dtype is not None and to_numpy_dtype(dtype) != obj._data.dtype and copy is False:
            raise ValueError(f"can't alias tensor with dtype '{_type_name(obj._data.dtype)}' into dtype "
                             f"'{_type_name(to_numpy_dtype(dtype))}'.")
        out = obj.detach() if dtype is None else obj.detach().to(dtype)
        out = out.clone() if copy else out
    elif isinstance(obj, np.ndarray) and not copy:
        out = as_tensor(obj, dtype=dtype, device=device)
    else:
        data = obj
        if dtype is None and isinstance(obj, float):
            dtype = get_default_dtype()
        out = tensor(data, dtype=dtype, device=device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-d tensor viewing the bytes of an object with the buffer protocol (``bytearray``, ``array.array``...)
    from ``offset``, ``count`` elements (all by default). A read-only buffer is copied, since ember's tensors are
    writable."""
    view = memoryview(buffer).cast("B")
    length, itemsize = view.nbytes, to_numpy_dtype(dtype).itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({length} "
                         "bytes) minus 1")
    if count < 0:
        if (length - offset) % itemsize:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({itemsize})")
        count = (length - offset) // itemsize
    elif count * itemsize > length - offset:
        raise ValueError(f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")
    arr = np.frombuffer(view, dtype=to_numpy_dtype(dtype), count=count, offset=offset)
    out = wrap(arr if arr.flags.writeable else arr.copy())
    if requires_grad:
        out.requires_grad_(True)
    return out
