"""The compiled mt19937 engine, Box-Muller and Fisher-Yates (``csrc/random.c``) on arrays. ``ember/__init__.py`` hands
this module to ``_mt19937`` (the random modules sit below ``ops`` and cannot import it); they use it while
``usable()`` and fall back to their NumPy forms otherwise, with the same bits either way."""
from __future__ import annotations

import numpy as np

from . import native


def usable() -> bool:
    return native.enabled


def mt19937_fill(key: np.ndarray, pos: int, n: int) -> tuple[np.ndarray, int]:
    """``n`` words from the engine state ``(key, pos)``; ``key`` is advanced in place, the new position returned."""
    out = np.empty(n, dtype=np.uint32)
    pos = native.lib.ember_mt19937_fill(native.ptr(key), pos, native.ptr(out), n)
    return out, int(pos)


def normal16(words: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Rows of 16 32-bit words -> rows of 16 float32 normals (PyTorch's vectorised ``normal_``)."""
    words = np.ascontiguousarray(words, dtype=np.uint32)
    out = np.empty(words.shape, dtype=np.float32)
    native.lib.ember_normal16_f32(native.ptr(words), native.ptr(out), words.size // 16, mean, std)
    return out


def normal16_f64(words: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Rows of 32 32-bit words (two per value) -> rows of 16 float64 normals (PyTorch's ``normal_`` for double)."""
    words = np.ascontiguousarray(words, dtype=np.uint32)
    out = np.empty((words.shape[0], 16), dtype=np.float64)
    native.lib.ember_normal16_f64(native.ptr(words), native.ptr(out), words.shape[0], mean, std)
    return out


def fisher_yates(words: np.ndarray, n: int) -> np.ndarray:
    """``randperm(n)`` from its ``n - 1`` 32-bit words: position i swapped with ``i + words[i] % (n - i)``."""
    words = np.ascontiguousarray(words, dtype=np.uint32)
    perm = np.empty(n, dtype=np.int64)
    native.lib.ember_fisher_yates(native.ptr(words), native.ptr(perm), n)
    return perm
