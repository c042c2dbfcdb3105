"""A restricted unpickler for checkpoints: only tensors, containers and plain values, never code.

Every global a pickle names goes through ``find_class``; anything outside the allow-list is refused with an error
naming it, before anything is called (Python's documented way of restricting globals). It runs on the pure-Python
``pickle._Unpickler``: its memo is a dict (the C unpickler sizes an array from the memo index the file names) and its
BUILD can be restricted to what a checkpoint holds (an OrderedDict's attributes, e.g. a state_dict's
``_metadata``). Every storage view is checked against its storage before it is built (``_view.check_view``).
"""
from __future__ import annotations

import _codecs
import pickle
import warnings
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._device import device
from .._size import Size
from .._tensor import Tensor, wrap
from ._view import check_view


class _StorageType:
    """Stands for ``torch.FloatStorage`` etc. inside a persistent id: the NumPy dtype of the bytes in the file."""

    def __init__(self, name: str, np_dtype: np.dtype | None) -> None:
        self.name = name
        self.dtype = np_dtype


_BFLOAT16 = "BFloat16Storage"
_UNSUPPORTED = {"ComplexHalfStorage": "torch.complex32"}


def bfloat16_from_bits(bits: np.ndarray) -> np.ndarray:
    """A bfloat16 storage's 16-bit patterns as bfloat16; without the ml_dtypes package, widened to float32 (exact:
    bfloat16 is the upper half of a float32), with a warning."""
    try:
        return bits.view(_dtype.bfloat16_numpy())
    except ImportError:
        warnings.warn("ember.load: bfloat16 tensors are loaded as float32 (values unchanged); pip install "
                      "'ember[bfloat16]' to keep them bfloat16", stacklevel=4)
        return (bits.astype(np.uint32) << 16).view(np.float32)


def _rebuild_tensor(storage: np.ndarray, offset, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None):
    size, stride, offset = check_view(storage.size, offset, size, stride)
    if 0 in size:
        data = np.empty(size, dtype=storage.dtype)
    else:
        data = np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                               strides=tuple(s * storage.itemsize for s in stride))
    t = wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, state=None):
    from ..nn.parameter import Parameter  # deferred: see ARCHITECTURE.md

    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise pickle.UnpicklingError(f"Weights only load failed: _rebuild_parameter of a {type(data).__name__}: "
                                     "a Parameter must be rebuilt from a tensor")
    return Parameter(data, requires_grad)


def _device(name, index=None):
    if index is not None and type(index) is not int:
        raise pickle.UnpicklingError(f"Weights only load failed: a device index must be an int, not "
                                     f"{type(index).__name__}")
    return device(name, index)


def _bytearray(*args):
    """``bytearray`` of bytes or text only: ``bytearray(n)`` would allocate a size named by the file."""
    if args and not isinstance(args[0], (bytes, bytearray, str)):
        raise pickle.UnpicklingError(f"Weights only load failed: bytearray of a {type(args[0]).__name__} is not "
                                     "allowed in a checkpoint (it would allocate a size named by the file)")
    return bytearray(*args)


def _encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as checkpoints use it (text to bytes), not the other codecs (compression, ...)."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise pickle.UnpicklingError(f"Weights only load failed: _codecs.encode of a {type(obj).__name__} with "
                                     f"encoding {encoding!r} is not allowed in a checkpoint")
    return _codecs.encode(obj, encoding, errors)


def _allowed() -> dict:
    table = {
        ("collections", "OrderedDict"): OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "bytearray"): _bytearray,
        ("builtins", "complex"): complex,
        ("_codecs", "encode"): _encode,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch", "Size"): Size,
        ("torch", "device"): _device,
        ("torch", _BFLOAT16): _StorageType(_BFLOAT16, np.dtype(np.uint16)),
    }
    for name in _UNSUPPORTED:
        table[("torch", name)] = _StorageType(name, None)
    for d in _dtype.ALL:
        name = f"{_dtype._type_name(d.np)}Storage"
        table[("torch", name)] = _StorageType(name, np.dtype(d.np))
    for d in _dtype.ALL + (_dtype.bfloat16,):
        table[("torch", d.name)] = d
    for alias, d in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
                     ("long", _dtype.int64), ("int", _dtype.int32), ("short", _dtype.int16)):
        table[("torch", alias)] = d
    return table


ALLOWED = _allowed()
# globals the user trusts for weights_only loads (``add_safe_globals``): (module, name) -> object
SAFE_GLOBALS: dict[tuple[str, str], object] = {}


class StorageLoader:
    """The persistent ids of a checkpoint: ``('storage', <storage type>, key, location, numel)`` resolved through
    ``load_storage(key, dtype, numel)``, each storage read once."""

    def __init__(self, load_storage) -> None:
        self._load_storage = load_storage
        self._storages: dict[str, np.ndarray] = {}

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and type(pid[4]) is int):
            raise pickle.UnpicklingError(f"Weights only load failed: unsupported persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if storage_type.dtype is None:
            raise RuntimeError(f"ember.load: storage data/{key} holds {_UNSUPPORTED[storage_type.name]} "
                               f"(torch.{storage_type.name}); ember has no complex32 dtype, so this checkpoint "
                               "cannot be loaded. Save that tensor as real and imaginary parts (torch.view_as_real)")
        if key not in self._storages:
            array = self._load_storage(key, storage_type.dtype, numel)
            if storage_type.name == _BFLOAT16:
                array = bfloat16_from_bits(array)
            self._storages[key] = array
        return self._storages[key]


class CheckpointUnpickler(StorageLoader, pickle._Unpickler):
    """Unpickles data.pkl, resolving storages through ``load_storage(key, dtype, numel)``.

    Whatever goes wrong inside the pickle is raised as ``pickle.UnpicklingError`` (a storage or view the archive
    cannot back raises ``RuntimeError``, as in PyTorch); nothing else escapes ``load``. Beyond tensors, containers
    and plain values, only the globals given to ``add_safe_globals`` are accepted.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, load_storage) -> None:
        pickle._Unpickler.__init__(self, file, encoding="utf-8")
        StorageLoader.__init__(self, load_storage)

    def load(self):
        try:
            return super().load()
        except (pickle.UnpicklingError, RuntimeError):
            raise
        except Exception as e:
            raise pickle.UnpicklingError(f"ember.load: malformed data.pkl ({type(e).__name__}: {e})") from None

    def find_class(self, module: str, name: str):
        if module == "__builtin__":  # protocol 2 written by PyTorch names Python 2's module
            module = "builtins"
        found = ALLOWED.get((module, name), SAFE_GLOBALS.get((module, name)))
        if found is None:
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global GLOBAL {module}.{name}. ember checkpoints may hold "
                "only tensors, containers and plain values; the file was refused and none of its code was run. "
                "If you trust the file, load it with weights_only=False, or allow this global with "
                f"ember.serialization.add_safe_globals([{module}.{name}])."
            ) from None
        return found

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if any(type(inst) is trusted for trusted in SAFE_GLOBALS.values()):
            self.stack.append(state)
            pickle._Unpickler.load_build(self)
            return
        if type(inst) is not OrderedDict or type(state) is not dict or not all(type(k) is str for k in state):
            raise pickle.UnpicklingError(
                f"Weights only load failed: BUILD of a {type(inst).__name__} with a {type(state).__name__} state; "
                "a checkpoint may only set an OrderedDict's attributes from a dict of names")
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = load_build

    def load_refused(self) -> None:
        """Protocol-5 buffers: no checkpoint holds them, and BYTEARRAY8 allocates the size the file names."""
        raise pickle.UnpicklingError("Weights only load failed: protocol-5 buffer opcodes (BYTEARRAY8, "
                                     "NEXT_BUFFER, READONLY_BUFFER) are not allowed in a checkpoint")

    for _opcode in (pickle.BYTEARRAY8, pickle.NEXT_BUFFER, pickle.READONLY_BUFFER):
        dispatch[_opcode[0]] = load_refused
    del _opcode
