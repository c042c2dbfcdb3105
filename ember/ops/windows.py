"""Window functions for spectral analysis: hann, hamming, bartlett, blackman, kaiser. ``periodic`` windows are the
first ``N`` points of the symmetric window of ``N + 1`` (the form ``stft`` wants)."""
from __future__ import annotations

import numpy as np

from .._creation import _dt, _finish
from .._dtype import is_real_floating


def _window(length: int, periodic: bool, dtype, name: str, shape):
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={length}")
    np_dtype = _dt(dtype)
    if not is_real_floating(np_dtype):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if length <= 1:
        return np.ones(length, dtype=np_dtype)
    n = length + 1 if periodic else length
    k = np.arange(n, dtype=np.float64)
    return shape(k, n)[:length].astype(np_dtype)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False):
    """``0.5 - 0.5 cos(2 pi k / (N - 1))``."""
    w = _window(window_length, periodic, dtype, "hann_window", lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)))
    return _finish(w, requires_grad, device)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *, dtype=None,
                   layout=None, device=None, requires_grad: bool = False):
    """``alpha - beta cos(2 pi k / (N - 1))``."""
    w = _window(window_length, periodic, dtype, "hamming_window",
                lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))
    return _finish(w, requires_grad, device)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """The triangle ``1 - |2k / (N - 1) - 1|``."""
    w = _window(window_length, periodic, dtype, "bartlett_window", lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))
    return _finish(w, requires_grad, device)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """``0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))``."""
    w = _window(window_length, periodic, dtype, "blackman_window",
                lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1)))
    return _finish(w, requires_grad, device)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False):
    """``I0(beta sqrt(1 - (2k / (N - 1) - 1)^2)) / I0(beta)``."""
    w = _window(window_length, periodic, dtype, "kaiser_window",
                lambda k, n: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta))
    return _finish(w, requires_grad, device)
