"""dtypes: ember.float32 and friends, mapped one-to-one onto NumPy dtypes, PyTorch's promotion rules, and the public
facts about them (``finfo``, ``iinfo``, ``promote_types``, ``can_cast``...)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _naming
from ._device import CPU, check_device, device


class dtype:
    """A tensor element type, printed as PyTorch prints it (``ember.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype: type, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = self.np.itemsize
        self._category = category

    def __repr__(self) -> str:
        return f"{_naming.PACKAGE}.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        """The dtype of the real and imaginary parts (complex64 -> float32); other dtypes are their own."""
        return _BY_NP[np.empty(0, self.np).real.dtype]

    def to_complex(self) -> "dtype":
        """The complex dtype whose parts are this floating dtype (float32 -> complex64)."""
        return _BY_NP[np.result_type(self.np, np.complex64)]


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
complex64 = dtype("complex64", np.complex64, 3)
complex128 = dtype("complex128", np.complex128, 3)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


class _BFloat16(dtype):
    """bfloat16: the upper half of a float32 (8 exponent bits, 7 fraction bits), held in NumPy arrays of the
    ``ml_dtypes`` package's dtype (the extra ``ember[bfloat16]``). ml_dtypes takes half a second to import, so it is
    imported when the first bfloat16 array is made, not with ember. Ops compute on float32 copies and round their
    results to bfloat16 once, as PyTorch's CPU kernels do (see ``autograd.function.Op``)."""

    __slots__ = ()

    def __init__(self) -> None:
        self.name, self.is_floating_point, self.is_complex, self.is_signed = "bfloat16", True, False, True
        self.itemsize, self._category = 2, 2

    @property
    def np(self) -> np.dtype:
        return bfloat16_numpy()

    def to_real(self) -> dtype:
        return self


bfloat16 = _BFloat16()
_BY_NAME["bfloat16"] = bfloat16
_bfloat16_numpy = []


def bfloat16_numpy() -> np.dtype:
    """ml_dtypes' bfloat16 NumPy dtype, imported on first use (and registered as ember.bfloat16's); ImportError
    saying how to install it when the package is missing."""
    if not _bfloat16_numpy:
        try:
            import ml_dtypes
        except ImportError:
            raise ImportError("bfloat16 tensors need the ml_dtypes package: pip install 'ember[bfloat16]'") from None
        _bfloat16_numpy.append(np.dtype(ml_dtypes.bfloat16))
        _BY_NP[_bfloat16_numpy[0]] = bfloat16
    return _bfloat16_numpy[0]


def is_bfloat16(np_dtype: np.dtype) -> bool:
    """Whether ``np_dtype`` is bfloat16 (without importing ml_dtypes when no bfloat16 array was ever made)."""
    return np_dtype.kind == "V" and bool(_bfloat16_numpy) and np_dtype == _bfloat16_numpy[0]


def is_real_floating(np_dtype: np.dtype) -> bool:
    """Whether arrays of ``np_dtype`` hold real floating values: NumPy's float kind, and bfloat16."""
    return np_dtype.kind == "f" or is_bfloat16(np_dtype)


def is_floating(np_dtype: np.dtype) -> bool:
    """Whether arrays of ``np_dtype`` hold floating (or complex) values: NumPy's float and complex kinds, and
    bfloat16 (whose NumPy kind is 'V')."""
    return np_dtype.kind in "fc" or is_bfloat16(np_dtype)


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for dtypes PyTorch has no counterpart for."""
    try:
        return _BY_NP[np_dtype]
    except (KeyError, TypeError):
        pass
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        if np.dtype(np_dtype).name == "bfloat16":
            bfloat16_numpy()
            return bfloat16
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
            kind = {bool: bool_.np, int: int64.np, float: get_default_dtype().np,
                    complex: get_default_dtype().to_complex().np}[kind]
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
    if isinstance(x, complex):
        return complex, 0
    if isinstance(x, np.ndarray):
        return x.dtype, (2 if x.ndim else 1)
    if isinstance(x, np.generic):
        return x.dtype, 1
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


# PyTorch's two names of each dtype: its scalar type ("Float", which its messages print and which names the legacy
# classes torch.FloatTensor and torch.FloatStorage) and the C++ type behind it ("float", in some kernel messages)
_NAMES = {"float32": ("Float", "float"), "float64": ("Double", "double"), "float16": ("Half", "c10::Half"),
          "int64": ("Long", "long int"), "int32": ("Int", "int"), "int16": ("Short", "short int"),
          "int8": ("Char", "signed char"), "uint8": ("Byte", "unsigned char"), "bool": ("Bool", "bool"),
          "complex64": ("ComplexFloat", "c10::complex<float>"),
          "complex128": ("ComplexDouble", "c10::complex<double>"), "bfloat16": ("BFloat16", "c10::BFloat16")}
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


# -- public dtype facts: finfo/iinfo, promotion and casting rules, the default device ----------------------------

class finfo:
    """Facts about a floating dtype (``ember.finfo(ember.float32).eps``); a complex dtype gives those of its parts.
    Called without a dtype it describes the default one."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type: dtype | None = None) -> None:
        type = get_default_dtype() if type is None else type
        if not isinstance(type, dtype) or type._category < 2:
            p = _naming.PACKAGE
            raise TypeError(f"{p}.finfo() requires a floating point input type. Use {p}.iinfo to handle '{p}.finfo'")
        if type is bfloat16:  # NumPy has no finfo for it; PyTorch's values
            self.bits, self.eps, self.max, self.min = 16, 2.0 ** -7, 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 2.0 ** -126
            self.resolution, self.dtype = 0.01, "bfloat16"
            return
        info = np.finfo(type.to_real().np)
        self.bits = info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = type.to_real().name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Facts about an integer dtype: ``bits``, ``min``, ``max`` (Python ints) and the ``dtype`` name."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type: dtype) -> None:
        p = _naming.PACKAGE
        if type is bool_:
            raise TypeError(f"{p}.bool is not supported by {p}.iinfo")
        if not isinstance(type, dtype) or type._category != 1:
            raise TypeError(f"{p}.iinfo() requires an integer input type. Use {p}.finfo to handle '{p}.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), type.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def _check_dtype_argument(fn: str, name: str, position: int, value) -> None:
    if not isinstance(value, dtype):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be {_naming.PACKAGE}.dtype, not "
                        f"{type(value).__name__}")


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without leaving their category (bool < integer <
    floating < complex), as PyTorch promotes tensors of equal rank."""
    _check_dtype_argument("promote_types", "type1", 1, type1)
    _check_dtype_argument("promote_types", "type2", 2, type2)
    if {type1._category, type2._category} == {2, 3}:  # a complex meeting a wider float widens, as in PyTorch
        return _BY_NP[np.promote_types(type1.np, type2.np)]
    return _BY_NP[_promote(type1.np, 2, type2.np, 2)]


def result_dtype(tensor, other) -> dtype:
    """The dtype of an arithmetic op on ``tensor`` and ``other`` (tensors or numbers): PyTorch's ``result_type``,
    under which a 0-d tensor or a number changes the result only by raising its category."""
    try:
        return _BY_NP[result_type(tensor, other)]
    except TypeError:
        got = ", ".join("Tensor" if hasattr(x, "_data") else type(x).__name__ for x in (tensor, other))
        raise TypeError(f"result_type() received an invalid combination of arguments - got ({got}), but expected "
                        "one of:\n * (Tensor tensor, Tensor other)\n * (Number scalar, Tensor tensor)\n"
                        " * (Tensor tensor, Number other)\n * (Number scalar1, Number scalar2)\n") from None


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to``: never to a lower category (float to integer,
    complex to float, anything but bool to bool)."""
    _check_dtype_argument("can_cast", "from_", 1, from_)
    _check_dtype_argument("can_cast", "to", 2, to)
    return from_._category <= to._category


def is_floating_point(input) -> bool:
    """True when ``input``'s dtype is a floating-point one."""
    if not hasattr(input, "_data"):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.dtype.is_floating_point


def get_default_device() -> device:
    """The device factories use when given none: the CPU, the only one ember has."""
    return CPU


def set_default_device(device) -> None:
    """Accepts the CPU (or None); any other device raises the error PyTorch's CPU build raises for it."""
    check_device(device)


class _NamedConstant:
    """A named constant printed as PyTorch's (``torch.strided``), pickled by its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{_naming.PACKAGE}.{self.name}"

    def __reduce__(self):
        return self.name


class layout(_NamedConstant):
    """How a tensor's elements are laid out (``torch.layout``): ember's tensors are all ``strided``."""


strided = layout("strided")
sparse_coo = layout("sparse_coo")


class memory_format(_NamedConstant):
    """How a tensor's dims are ordered in memory (``torch.memory_format``). ember's tensors are NumPy arrays
    that keep whatever strides they were made with; ``contiguous(memory_format=...)`` accepts these names."""


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
