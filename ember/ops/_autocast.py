"""What an enabled CPU ``autocast`` region does to an op's inputs, as PyTorch's CPU autocast lists do: the
products and convolutions run in the region's lower precision (bfloat16 by default), the losses in float32.
Outside a region (the usual case) the inputs pass unchanged after one flag check."""
from __future__ import annotations

from .. import _dtype
from .._autocast import STATE

_CPU = STATE["cpu"]


def _cast(tensors: tuple, target) -> tuple:
    return tuple(t.to(target) if hasattr(t, "_data") and _dtype.is_real_floating(t._data.dtype)
                 and t.dtype is not target else t for t in tensors)


def lower_precision(*tensors) -> tuple:
    """``tensors`` in the autocast dtype inside an enabled CPU region (floating ones; others, and None, as given)."""
    return _cast(tensors, _CPU[1]) if _CPU[0] else tensors


def full_precision(*tensors) -> tuple:
    """``tensors`` in float32 inside an enabled CPU region (PyTorch's list of ops autocast runs in float32)."""
    return _cast(tensors, _dtype.float32) if _CPU[0] else tensors
