"""The array library behind every Tensor. All array *creation* goes through here, so that a CuPy backend can be
added later by changing this one module (ops use the arrays' own methods and NumPy's functions, which CuPy mirrors)."""
from __future__ import annotations

import numpy as xp

__all__ = ["xp", "asarray", "empty", "zeros", "full"]


def asarray(data, dtype=None):
    return xp.asarray(data, dtype=dtype)


def empty(shape: tuple, dtype):
    return xp.empty(shape, dtype=dtype)


def zeros(shape: tuple, dtype):
    return xp.zeros(shape, dtype=dtype)


def full(shape: tuple, value, dtype):
    return xp.full(shape, value, dtype=dtype)
