"""A protocol-2 pickle writer that emits PyTorch's globals (``torch._utils._rebuild_tensor_v2`` ...) by name.

Python's own Pickler imports a module to save one of its globals; ember must never import torch, so the few
opcodes a checkpoint needs are written here directly. Only tensors, containers and plain values are accepted.
"""
from __future__ import annotations

import pickle
import struct
from collections import OrderedDict

import numpy as np

from .._device import device
from .._dtype import _type_name, dtype as ember_dtype
from .._size import Size
from .._tensor import Tensor

class CheckpointWriter:
    """Pickles ``obj`` into bytes; tensor data goes to ``storages`` (key -> contiguous array), referenced by key."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.storages: dict[str, np.ndarray] = {}
        self._storage_keys: dict[int, str] = {}

    def dumps(self, obj) -> bytes:
        self.out += pickle.PROTO + b"\x02"
        self._save(obj)
        self.out += pickle.STOP
        return bytes(self.out)

    # -- opcodes -------------------------------------------------------------------------------------------------
    def _global(self, module: str, name: str) -> None:
        self.out += pickle.GLOBAL + f"{module}\n{name}\n".encode()

    def _call(self, module: str, name: str, args: tuple) -> None:
        self._global(module, name)
        self._save(args)
        self.out += pickle.REDUCE

    def _save(self, obj) -> None:
        if obj is None:
            self.out += pickle.NONE
        elif obj is True or obj is False:
            self.out += pickle.NEWTRUE if obj else pickle.NEWFALSE
        elif isinstance(obj, Tensor):
            self._save_tensor(obj)
        elif isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_)):
            self._save_int(int(obj))
        elif isinstance(obj, (complex, np.complexfloating)):
            self._call("builtins", "complex", (obj.real, obj.imag))
        elif isinstance(obj, (float, np.floating)):
            self.out += pickle.BINFLOAT + struct.pack(">d", float(obj))
        elif isinstance(obj, np.bool_):
            self._save(bool(obj))
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            self.out += pickle.BINUNICODE + struct.pack("<I", len(data)) + data
        elif isinstance(obj, (bytes, bytearray)):
            self._call("_codecs", "encode", (bytes(obj).decode("latin1"), "latin1"))
        elif isinstance(obj, Size):
            self._call("torch", "Size", (tuple(obj),))
        elif isinstance(obj, ember_dtype):
            self._global("torch", obj.name)
        elif isinstance(obj, device):
            self._call("torch", "device", (str(obj),))
        elif isinstance(obj, tuple):
            self._save_tuple(obj)
        elif isinstance(obj, list):
            self.out += pickle.EMPTY_LIST
            self._batched(obj, pickle.APPENDS)
        elif isinstance(obj, OrderedDict):
            self._call("collections", "OrderedDict", ())
            self._batched(list(obj.items()), pickle.SETITEMS)
            if getattr(obj, "__dict__", None):
                self._save(dict(obj.__dict__))
                self.out += pickle.BUILD
        elif isinstance(obj, dict):
            self.out += pickle.EMPTY_DICT
            self._batched(list(obj.items()), pickle.SETITEMS)
        elif isinstance(obj, (set, frozenset)):
            self._call("builtins", type(obj).__name__, (list(obj),))
        else:
            raise TypeError(f"ember.save cannot store an object of type {type(obj).__module__}."
                            f"{type(obj).__qualname__}: checkpoints hold tensors, containers and plain values")

    def _save_int(self, value: int) -> None:
        if 0 <= value < 256:
            self.out += pickle.BININT1 + bytes([value])
        elif 0 <= value < 65536:
            self.out += pickle.BININT2 + struct.pack("<H", value)
        elif -2 ** 31 <= value < 2 ** 31:
            self.out += pickle.BININT + struct.pack("<i", value)
        else:
            data = pickle.encode_long(value)
            self.out += pickle.LONG1 + bytes([len(data)]) + data

    def _save_tuple(self, obj: tuple) -> None:
        if not obj:
            self.out += pickle.EMPTY_TUPLE
            return
        if len(obj) <= 3:
            for item in obj:
                self._save(item)
            self.out += (pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(obj) - 1]
            return
        self.out += pickle.MARK
        for item in obj:
            self._save(item)
        self.out += pickle.TUPLE

    def _batched(self, items: list, opcode: bytes) -> None:
        for start in range(0, len(items), 1000):
            self.out += pickle.MARK
            for item in items[start:start + 1000]:
                if opcode == pickle.SETITEMS:
                    self._save(item[0])
                    self._save(item[1])
                else:
                    self._save(item)
            self.out += opcode

    def _save_tensor(self, t: Tensor) -> None:
        from ..nn.parameter import Parameter

        if isinstance(t, Parameter):
            self._global("torch._utils", "_rebuild_parameter")
            self.out += pickle.MARK
            self._save_plain_tensor(t, requires_grad=False)
            self._save(t.requires_grad)
            self._call("collections", "OrderedDict", ())
            self.out += pickle.TUPLE + pickle.REDUCE
        else:
            self._save_plain_tensor(t, t.requires_grad)

    def _save_plain_tensor(self, t: Tensor, requires_grad: bool) -> None:
        data = t._data
        key, offset, strides = storage_of(data, self.storages, self._storage_keys)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out += pickle.MARK
        # persistent id ('storage', <storage class>, key, 'cpu', numel): the loader fetches data/<key>
        self.out += pickle.MARK
        self._save("storage")
        self._global("torch", f"{_type_name(data.dtype)}Storage")
        self._save(key)
        self._save("cpu")
        self._save(self.storages[key].size)
        self.out += pickle.TUPLE + pickle.BINPERSID
        self._save(offset)
        self._save(tuple(data.shape))
        self._save(strides)
        self._save(requires_grad)
        self._call("collections", "OrderedDict", ())
        self.out += pickle.TUPLE + pickle.REDUCE


def storage_of(data: np.ndarray, storages: dict[str, np.ndarray], keys: dict[int, str]) -> tuple[str, int, tuple]:
    """``(key, offset, strides)`` in elements of the storage holding ``data``, added to ``storages`` when new: a
    view of an array already saved (or of the array owning its memory) shares that storage, as in PyTorch;
    anything else is stored as its own contiguous copy. ``keys`` maps owners' ids to their keys."""
    owner = data.base if isinstance(data.base, np.ndarray) else data
    item = data.itemsize
    if owner.dtype == data.dtype and owner.flags.c_contiguous and owner.size:
        start = data.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
        if start % item == 0 and all(st % item == 0 and st >= 0 for st in data.strides):
            key = keys.get(id(owner))
            if key is None:
                key = str(len(storages))
                storages[key] = owner.reshape(-1)  # a view: keeps the owner (and its id) alive
                keys[id(owner)] = key
            return key, start // item, tuple(st // item for st in data.strides)
    key = str(len(storages))
    storages[key] = np.ascontiguousarray(data).reshape(-1)
    strides, acc = [], 1
    for s in reversed(data.shape):
        strides.append(acc)
        acc *= s
    return key, 0, tuple(reversed(strides))
