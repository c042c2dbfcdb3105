"""The float32 Box-Muller's arithmetic: the FMA emulation and the claim that lets log/sincos skip its tie check."""
import numpy as np

from ember import _boxmuller, _fma


def _exact_fma(a, b, c):
    return _fma._fma32_exact(a, b, c)


def test_fma32_is_fused_multiply_add():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(200_000).astype(np.float32)
    b = (rng.standard_normal(200_000) * 10.0 ** rng.integers(-12, 12, 200_000)).astype(np.float32)
    c = rng.standard_normal(200_000).astype(np.float32)
    np.testing.assert_array_equal(_fma.fma32(a, b, c), _exact_fma(a, b, c))
    # a float64 sum landing on a float32 halfway case: rounding it again would be wrong, FMA's single rounding is not
    a, b, c = (np.array([v], np.float32) for v in (1.4526367, 1.7282715, 2.0 ** -57))
    naive = (np.multiply(a, b, dtype=np.float64) + c).astype(np.float32)
    assert _fma.fma32(a, b, c)[0] == _exact_fma(a, b, c)[0] != naive[0]


def test_log_and_sincos_never_meet_a_double_rounding_case():
    """Every 7th of the 2**24 possible inputs (the docstring's claim covers all of them): no fused step's float64
    sum is an inexact float32 halfway case, so the cheap emulation equals FMA there."""
    hazards = []

    def watched(a, b, c):
        p = np.multiply(a, b, dtype=np.float64)
        s = p + c
        bv = s - p
        err = (p - (s - bv)) + (np.asarray(c, np.float64) - bv)
        hazards.append(int((((s.view(np.int64) & 0x1FFFFFFF) == 0x10000000) & (err != 0)).sum()))
        return _exact_fma(a, b, c)

    k = np.arange(0, 1 << 24, 7, dtype=np.uint32)
    u = k.astype(np.float32) * np.float32(2.0 ** -24)
    saved = _boxmuller.fma
    _boxmuller.fma = watched
    try:
        _boxmuller.log(np.float32(1) - u)
        _boxmuller.sincos(_boxmuller._TWO_PI * u)
    finally:
        _boxmuller.fma = saved
    assert len(hazards) > 10 and sum(hazards) == 0
