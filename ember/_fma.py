"""Fused multiply-add on NumPy arrays: ``a * b + c`` rounded once, as PyTorch's FMA-contracted CPU kernels compute.

NumPy has no FMA ufunc. For float32 the product is exact in float64, so only the sum's double rounding needs care.
For float64 the product's error comes from Dekker's split and the sum's from Knuth's two-sum; adding the two error
terms last gives the correctly rounded result except in double-rounding ties, far rarer than the 2**-53 spacing of
the uniforms these transforms see.
"""
from __future__ import annotations

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter for float64


def fma32(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` with one rounding.

    The float64 sum rounds once more than FMA; that changes the float32 result only where the float64 sum lands
    exactly halfway between two floats, so those rare elements are redone with a round-to-odd sum.
    """
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    out = s.astype(np.float32)
    tie = (s.view(np.int64) & 0x1FFFFFFF) == 0x10000000
    if tie.any():
        at = np.nonzero(tie)
        pick = (lambda v: v[at] if np.ndim(v) else v)
        out[at] = _fma32_exact(pick(a), pick(b), pick(c))
    return out


def fma32_no_tie(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` through a float64 sum and one rounding: the FMA result wherever that sum is not an
    inexact halfway case between two floats (the caller's guarantee)."""
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    return s.astype(np.float32)


def _fma32_exact(a, b, c) -> np.ndarray:
    prod = np.multiply(a, b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    s = prod + c
    bv = s - prod
    err = (prod - (s - bv)) + (c - bv)
    fix = (err != 0) & ((s.view(np.int64) & 1) == 0)
    s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s.astype(np.float32)


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLIT * x
    hi = t - (t - x)
    return hi, x - hi


def fma64(a, b, c) -> np.ndarray:
    """float64 ``a * b + c`` with one rounding."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bv = s - p
    t = (p - (s - bv)) + (c - bv)
    return s + (t + e)
