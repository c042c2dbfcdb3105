"""PyTorch's float32 Box-Muller for contiguous outputs of 16 or more elements, reproduced to the bit.

On x86 PyTorch's CPU ``normal_`` for float32 runs its AVX2 kernel (also on AVX-512 machines): 8 pairs of uniforms
at a time through Cephes-style ``log`` and ``sincos`` polynomials (``avx_mathfun.h``) in float32. The kernel is
compiled with FMA contraction, so every multiply feeding an add is fused, and the order of operations below follows
the kernel's. Inside ``log`` and ``sincos`` the fused steps use ``fma32_no_tie`` (a float64 multiply-add rounded
once to float32): run on all 2**24 inputs these functions can receive (``1 - k / 2**24`` and
``float32(2 pi) * k / 2**24``), no step's float64 sum is ever an inexact float32 halfway case, so that is exactly
the FMA result (``tests/random/test_boxmuller.py`` repeats the exhaustive check).
"""
from __future__ import annotations

import numpy as np

from ._fma import fma32, fma32_no_tie
from ._mt19937 import compiled_kernels

_F32 = np.float32
_ONE = _F32(1.0)
_HALF = _F32(0.5)

_LOG_POLY = [_F32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                               1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                               3.3333331174E-1)]
_LOG_Q1 = _F32(-2.12194440e-4)
_LOG_Q2 = _F32(0.693359375)
_SQRT_HALF = _F32(0.707106781186547524)
_FOUR_OVER_PI = _F32(1.27323954473516)
_PI4_PARTS = [_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)]
_COS_POLY = [_F32(2.443315711809948E-005), _F32(-1.388731625493765E-003), _F32(4.166664568298827E-002)]
_SIN_POLY = [_F32(-1.9515295891E-4), _F32(8.3321608736E-3), _F32(-1.6666654611E-1)]
_TWO_PI = _F32(2.0 * np.pi)
_MINUS_TWO = _F32(-2.0)
_ROWS = 4096
fma = fma32_no_tie  # see the module docstring
def unit24(words: np.ndarray) -> np.ndarray:
    """float32's uniform [0, 1): the low 24 bits of 32-bit words over 2**24 (exact in float32)."""
    return (words & np.uint32(0xFFFFFF)).astype(_F32) * _F32(1.0 / (1 << 24))


def compiled() -> bool:
    """Whether the compiled kernels are at hand (``normal64_from_words`` needs them)."""
    return compiled_kernels() is not None


def normal64_from_words(words: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Rows of 32 32-bit words (two per value) -> rows of 16 float64 normals, in the compiled kernel."""
    return compiled_kernels().normal16_f64(words, mean, std)


def normal_from_words(words: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Rows of 16 32-bit words -> rows of 16 float32 normals (their 24-bit uniforms through ``normal_blocks``)."""
    if compiled():
        return compiled_kernels().normal16(words, mean, std)
    return normal_blocks(unit24(words), mean, std)


def log(x: np.ndarray) -> np.ndarray:
    """``log256_ps``: natural log of positive float32 values."""
    bits = np.maximum(x, _F32(1.1754944e-38)).view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _ONE
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)  # mantissa in [0.5, 1)
    small = m < _SQRT_HALF
    m = (m - _ONE) + np.where(small, m, _F32(0))
    e = e - np.where(small, _ONE, _F32(0))
    z = m * m
    y = np.full_like(m, _LOG_POLY[0])
    for c in _LOG_POLY[1:]:
        y = fma(y, m, c)
    y = fma(y * m, z, e * _LOG_Q1)
    y = fma(z, -_HALF, y)
    return fma(e, _LOG_Q2, m + y)


def sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps``: (sin, cos) of float32 values, reduced by multiples of pi/4 in three parts."""
    negative = x < 0
    x = np.abs(x)
    j = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1
    y = j.astype(_F32)
    for part in _PI4_PARTS:
        x = fma(y, part, x)
    sin_negative = negative ^ ((j & 4) != 0)
    cos_negative = (~(j - 2) & 4) != 0
    use_sin_poly = (j & 2) == 0
    z = x * x
    yc = np.full_like(x, _COS_POLY[0])
    for c in _COS_POLY[1:]:
        yc = fma(yc, z, c)
    yc = fma(yc * z, z, -(z * _HALF)) + _ONE
    ys = np.full_like(x, _SIN_POLY[0])
    for c in _SIN_POLY[1:]:
        ys = fma(ys, z, c)
    ys = fma(ys * z, x, x)
    s = np.where(use_sin_poly, ys, yc)
    c = np.where(use_sin_poly, yc, ys)
    return np.where(sin_negative, -s, s), np.where(cos_negative, -c, c)


def normal_blocks(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Box-Muller on rows of 16 float32 uniforms: entries j and j + 8 of a row become one normal pair."""
    out = np.empty(u.shape, dtype=_F32)
    mean, std = _F32(mean), _F32(std)
    for start in range(0, u.shape[0], _ROWS):  # chunks that stay in cache through the ~100 passes below
        rows = u[start:start + _ROWS]
        radius = np.sqrt(_MINUS_TWO * log(_ONE - rows[:, :8]))
        s, c = sincos(_TWO_PI * rows[:, 8:])
        out[start:start + _ROWS, :8] = fma32(radius * c, std, mean)
        out[start:start + _ROWS, 8:] = fma32(radius * s, std, mean)
    return out
