"""Trusted whole-object checkpoints (``save(model)``, ``load(..., weights_only=False)``) in PyTorch's pickle names.

The writer is Python's own pickler with two changes: tensors become PyTorch's ``_rebuild_tensor_v2`` records over
storages kept aside (the zip's ``data/<key>`` entries), and every ember global is written under PyTorch's name
(``ember.nn.modules.linear.Linear`` as ``torch.nn.modules.linear.Linear``), without importing torch. The reader maps
PyTorch's names back to ember's (``torchvision`` to ``ember.vision``), so a module or optimizer pickled by either
library loads in the other. Loading a full pickle runs whatever code the file names: only for trusted files.
"""
from __future__ import annotations

import importlib
import io
import pickle
import sys
from collections import OrderedDict

import numpy as np

from .._device import device
from .._naming import ember_name, torch_name
from .._dtype import dtype as ember_dtype, is_bfloat16
from .._tensor import Tensor, wrap
from ._pickle_writer import storage_of
from ._unpickler import _BFLOAT16, ALLOWED, StorageLoader, _StorageType, _rebuild_parameter, _rebuild_tensor

# ember globals whose PyTorch name is not their ember module path
_RENAMED = {device: ("torch", "device"), Tensor: ("torch", "Tensor")}


class _Storage:
    """A persistent-id placeholder for one storage of the file."""

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array


def _torch_names() -> dict[int, tuple[str, str]]:
    """PyTorch's name of each object the restricted loader maps a PyTorch global to (the first name wins:
    ``_rebuild_parameter`` over ``_rebuild_parameter_with_state``)."""
    names: dict[int, tuple[str, str]] = {}
    for key, obj in ALLOWED.items():
        names.setdefault(id(obj), key)
    return names


_TORCH_NAMES = _torch_names()
_STORAGE_TYPES = {np.dtype(obj.dtype): obj for (module, name), obj in ALLOWED.items()
                  if isinstance(obj, _StorageType) and obj.dtype is not None and name != _BFLOAT16}


class FullPickler(pickle._Pickler):
    """Pickles any object PyTorch's ``torch.save`` could; tensor data goes to ``storages``."""

    def __init__(self, file, protocol: int = 2) -> None:
        super().__init__(file, protocol)
        self.storages: dict[str, np.ndarray] = {}
        self._storage_keys: dict[int, str] = {}

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            kind = ALLOWED[("torch", _BFLOAT16)] if is_bfloat16(obj.array.dtype) else _STORAGE_TYPES[obj.array.dtype]
            return "storage", kind, obj.key, "cpu", obj.array.size
        return None

    def reducer_override(self, obj):
        from ..nn.parameter import Parameter  # deferred: nn sits above serialization's tensor layer

        if isinstance(obj, Parameter):
            return _rebuild_parameter, (wrap(obj._data), obj.requires_grad, OrderedDict())
        if isinstance(obj, ember_dtype):
            return obj.name  # a global: save_global writes torch.<name>
        if isinstance(obj, Tensor):
            key, offset, strides = storage_of(obj._data, self.storages, self._storage_keys)
            return _rebuild_tensor, (_Storage(key, self.storages[key]), offset, tuple(obj._data.shape), strides,
                                     obj.requires_grad, OrderedDict())
        return NotImplemented

    def save_global(self, obj, name=None) -> None:
        if isinstance(obj, ember_dtype):
            module, name = "torch", obj.name
        elif id(obj) in _TORCH_NAMES:
            module, name = _TORCH_NAMES[id(obj)]
        elif isinstance(obj, type) and obj in _RENAMED:
            module, name = _RENAMED[obj]
        else:
            name = name or getattr(obj, "__qualname__", None) or obj.__name__
            module = pickle.whichmodule(obj, name)
            if _lookup(module, name) is not obj:
                raise TypeError(f"ember.save cannot store an object of type {type(obj).__name__} ({obj!r}): it "
                                f"cannot be found by name as {module}.{name} (a lambda, a local function or class)")
            module = torch_name(module)
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)

    # the base class dispatches functions and classes to its own save_global: send them (and storage types) here
    dispatch = dict(pickle._Pickler.dispatch)
    for _kind, _save in pickle._Pickler.dispatch.items():
        if _save is pickle._Pickler.save_global:
            dispatch[_kind] = save_global
    dispatch[_StorageType] = save_global
    del _kind, _save


def _lookup(module: str, name: str):
    try:
        obj = sys.modules.get(module) or importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj
    except (ImportError, AttributeError):
        return None


def dumps(obj) -> tuple[bytes, dict[str, np.ndarray]]:
    """``obj`` pickled with PyTorch's names, and the storages it refers to (key -> contiguous array)."""
    out = io.BytesIO()
    pickler = FullPickler(out)
    pickler.dump(obj)
    return out.getvalue(), pickler.storages


class FullUnpickler(StorageLoader, pickle.Unpickler):
    """Loads any pickle, PyTorch's globals resolved to ember's: for trusted files only (it runs what they name)."""

    def __init__(self, file, load_storage) -> None:
        pickle.Unpickler.__init__(self, file, encoding="utf-8")
        StorageLoader.__init__(self, load_storage)

    def find_class(self, module: str, name: str):
        if module == "__builtin__":
            module = "builtins"
        known = ALLOWED.get((module, name))
        if known is not None:
            return known
        ours = ember_name(module)
        if ours is None:
            return super().find_class(module, name)
        found = _lookup(ours, name)
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not implemented in ember: the checkpoint names it "
                                         "(load its state_dict instead, or rebuild that object in ember)")
        return found
