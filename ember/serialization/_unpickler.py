"""A restricted unpickler for checkpoints: only tensors, containers and plain values, never code.

Every global a pickle names goes through ``find_class``; anything outside the allow-list is refused with an error
naming it, before anything is called (Python's documented way of restricting globals).
"""
from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._device import device
from .._size import Size
from .._tensor import wrap

class _StorageType:
    """Stands for ``torch.FloatStorage`` etc. inside a persistent id."""

    def __init__(self, np_dtype: np.dtype) -> None:
        self.dtype = np_dtype


def _rebuild_tensor(storage: np.ndarray, offset: int, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None):
    item = storage.itemsize
    if storage.size == 0 or not size:
        data = storage[offset:offset + 1].reshape(()) if not size else np.zeros(size, dtype=storage.dtype)
    else:
        data = np.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(size),
                                               strides=tuple(s * item for s in stride))
    t = wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, state=None):
    from ..nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _device(name, index=None):
    return device(name)


def _allowed() -> dict:
    import _codecs

    table = {
        ("collections", "OrderedDict"): OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "bytearray"): bytearray,
        ("builtins", "complex"): complex,
        ("_codecs", "encode"): _codecs.encode,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch", "Size"): Size,
        ("torch", "device"): _device,
    }
    for d in _dtype.ALL:
        table[("torch", f"{_dtype._type_name(d.np)}Storage")] = _StorageType(d.np)
    for d in _dtype.ALL:
        table[("torch", d.name)] = d
    for alias, d in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
                     ("long", _dtype.int64), ("int", _dtype.int32), ("short", _dtype.int16)):
        table[("torch", alias)] = d
    return table


_ALLOWED = _allowed()


class CheckpointUnpickler(pickle.Unpickler):
    """Unpickles data.pkl, resolving storages through ``load_storage(key, dtype, numel)``."""

    def __init__(self, file, load_storage) -> None:
        super().__init__(file, encoding="utf-8")
        self._load_storage = load_storage
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Weights only load failed: unsupported global GLOBAL {module}.{name}. ember checkpoints may hold "
                "only tensors, containers and plain values; the file was refused and none of its code was run."
            ) from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"Weights only load failed: unsupported persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if key not in self._storages:
            self._storages[key] = self._load_storage(str(key), storage_type.dtype, int(numel))
        return self._storages[key]
