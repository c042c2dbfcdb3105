"""``ember.utils.safetensors``: the safetensors format with ``safetensors.torch``'s calls (``save_file``,
``load_file``, ``save``, ``load``, ``save_model``, ``load_model``), through the ``safetensors`` package's NumPy API.

Files are interchangeable with ``safetensors.torch``: the format stores each tensor's dtype, shape and raw bytes
under its name. ``safetensors`` is an optional extra (``pip install safetensors``); under ``ember run`` a program's
``import safetensors.torch`` gets this module.
"""
from __future__ import annotations

import os

import numpy as np

from .._device import check_device
from .._tensor import Tensor, wrap

__all__ = ["load", "load_file", "load_model", "save", "save_file", "save_model"]


def _numpy_api():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("ember.utils.safetensors needs the safetensors package: pip install safetensors") from None
    return safetensors.numpy


def _arrays(tensors: dict) -> dict[str, np.ndarray]:
    out = {}
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received {type(t)}")
        out[name] = np.ascontiguousarray(t._data)
    return out


def _tensors(arrays: dict) -> dict[str, Tensor]:
    # a copy: the package's arrays may be read-only views of the file
    return {name: wrap(np.array(a)) for name, a in arrays.items()}


def save_file(tensors: dict, filename: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write ``{name: tensor}`` to ``filename`` in the safetensors format (``metadata``: extra strings)."""
    _numpy_api().save_file(_arrays(tensors), filename, metadata=metadata)


def load_file(filename: str | os.PathLike, device: str | int = "cpu") -> dict[str, Tensor]:
    """The ``{name: tensor}`` of a safetensors file (on the CPU, the only device ember has)."""
    check_device(device)
    return _tensors(_numpy_api().load_file(filename))


def save(tensors: dict, metadata: dict[str, str] | None = None) -> bytes:
    """``save_file`` into bytes."""
    return _numpy_api().save(_arrays(tensors), metadata=metadata)


def load(data: bytes) -> dict[str, Tensor]:
    """``load_file`` from bytes."""
    return _tensors(_numpy_api().load(data))


def save_model(model, filename: str | os.PathLike, metadata: dict[str, str] | None = None,
               force_contiguous: bool = True) -> None:
    """Save ``model.state_dict()`` (the names ``load_model`` and ``safetensors.torch.load_model`` expect)."""
    save_file({name: t.detach() for name, t in model.state_dict().items()}, filename, metadata=metadata)


def load_model(model, filename: str | os.PathLike, strict: bool = True, device: str | int = "cpu"):
    """Load a file written by ``save_model`` into ``model``; returns ``(missing, unexpected)`` as
    ``safetensors.torch`` does (a set and a list), and with ``strict`` raises its error when either is non-empty."""
    missing, unexpected = model.load_state_dict(load_file(filename, device), strict=False)
    missing = set(missing)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(unexpected))
        raise RuntimeError(error)
    return missing, unexpected
