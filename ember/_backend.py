"""The array library behind every Tensor. All array *creation* goes through here, so that a CuPy backend can be
added later by changing this one module (ops use the arrays' own methods and NumPy's functions, which CuPy mirrors)."""
from __future__ import annotations

import numpy as xp

__all__ = ["xp", "empty", "zeros", "full"]


def empty(shape: tuple, dtype):
    """An uninitialised array."""
    return xp.empty(shape, dtype=dtype)


def zeros(shape: tuple, dtype):
    """An array of zeros."""
    return xp.zeros(shape, dtype=dtype)


def full(shape: tuple, value, dtype):
    """An array filled with ``value``."""
    return xp.full(shape, value, dtype=dtype)
