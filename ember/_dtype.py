"""dtypes: ember.float32 and friends, mapped one-to-one onto NumPy dtypes, and PyTorch's promotion rules."""
from __future__ import annotations

from functools import lru_cache

import numpy as np


class dtype:
    """A tensor element type, printed as PyTorch prints it (``ember.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype: type, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = self.np.itemsize
        self._category = category

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        return self


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for dtypes PyTorch has no counterpart for."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy_dtype(d) -> np.dtype:
    """Accept an ember dtype, a NumPy dtype, or a Python type (float, int, bool) and give the NumPy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is float:
        return get_default_dtype().np
    if d is int:
        return int64.np
    if d is bool:
        return bool_.np
    return np.dtype(d)


_default = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype used for Python floats and float factories (float32 unless set)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; only floating dtypes are accepted."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d
    _promote.cache_clear()


def _category(np_dtype: np.dtype) -> int:
    return _BY_NP[np_dtype]._category


@lru_cache(maxsize=None)
def _promote(a_kind, a_rank: int, b_kind, b_rank: int) -> np.dtype:
    """Result dtype of a binary op, PyTorch's way.

    Operands are ranked: 2 = tensor with dimensions, 1 = zero-dim tensor, 0 = Python number (kind is then
    the Python type). A lower-ranked operand changes the result only when its category (bool < int < float)
    is higher, and a Python number then contributes the default dtype of its category.
    """
    ops = sorted([(a_rank, a_kind), (b_rank, b_kind)], key=lambda o: -o[0])
    result = None
    for rank, kind in ops:
        if rank == 0:
            kind = {bool: bool_.np, int: int64.np, float: get_default_dtype().np}[kind]
        if result is None:
            result = kind
        elif rank == ops[0][0]:
            ca, cb = _category(result), _category(kind)
            result = np.promote_types(result, kind) if ca == cb else (kind if cb > ca else result)
        elif _category(kind) > _category(result):
            result = kind
    return result


def result_type(a, b) -> np.dtype:
    """NumPy dtype PyTorch would give ``a (op) b`` for Tensors and Python numbers."""
    return _promote(*_describe(a), *_describe(b))


def _describe(x):
    data = getattr(x, "_data", None)
    if data is not None:
        return data.dtype, (2 if data.ndim else 1)
    if isinstance(x, bool):
        return bool, 0
    if isinstance(x, int):
        return int, 0
    if isinstance(x, float):
        return float, 0
    if isinstance(x, np.ndarray):
        return x.dtype, (2 if x.ndim else 1)
    if isinstance(x, np.generic):
        return x.dtype, 1
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


# PyTorch's two names of each dtype: its scalar type ("Float", which its messages print and which names the legacy
# classes torch.FloatTensor and torch.FloatStorage) and the C++ type behind it ("float", in some kernel messages)
_NAMES = {"float32": ("Float", "float"), "float64": ("Double", "double"), "float16": ("Half", "c10::Half"),
          "int64": ("Long", "long int"), "int32": ("Int", "int"), "int16": ("Short", "short int"),
          "int8": ("Char", "signed char"), "uint8": ("Byte", "unsigned char"), "bool": ("Bool", "bool")}
_BY_TYPE_NAME = {names[0]: _BY_NAME[name] for name, names in _NAMES.items()}


def _type_name(np_dtype) -> str:
    """PyTorch's scalar-type word for a NumPy dtype ("Float", "Long", ...), as its error messages print it."""
    return _NAMES[np.dtype(np_dtype).name][0]


def _cpp_type_name(np_dtype) -> str:
    """The C++ type of a NumPy dtype as PyTorch's kernel messages print it ("float", "long int", ...)."""
    return _NAMES[np.dtype(np_dtype).name][1]


def _from_type_name(name: str) -> dtype | None:
    """The dtype of a scalar-type word ("Float" -> float32), None for any other string."""
    return _BY_TYPE_NAME.get(name)
