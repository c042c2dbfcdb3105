"""Discrete Fourier transforms (``torch.fft``): fft, ifft, rfft, irfft, hfft, ihfft in 1, 2 and n dims, with
fftfreq, rfftfreq, fftshift and ifftshift.

As in PyTorch, every transform is one of three ops: ``FftC2CBackward0`` (complex to complex), ``FftR2CBackward0``
(real to complex, optionally one-sided) and ``FftC2RBackward0`` (a one-sided spectrum to a real signal, always an
inverse transform); the inverse real transforms and the Hermitian ones add a ``conj``. Each op carries its
normalisation as a plain scale factor, so its gradient is the adjoint transform with the same scale.
"""
from __future__ import annotations

import math

import numpy as np

from .._creation import zeros
from .._dtype import _type_name, get_default_dtype, is_bfloat16, is_floating, to_numpy_dtype
from .._size import normalize_dim
from .._tensor import wrap
from ..autograd.function import Op
from .complex_numbers import conj, real
from .shape import cat, narrow, roll

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# -- the three transforms ------------------------------------------------------------------------------------------

def _c2c_array(z: np.ndarray, dims: tuple, forward: bool, scale: float) -> np.ndarray:
    out = np.fft.fftn(z, axes=dims) if forward else np.fft.ifftn(z, axes=dims, norm="forward")
    return _scaled(out, scale, z.dtype)


def _scaled(out: np.ndarray, scale: float, dtype) -> np.ndarray:
    """``out * scale`` in ``dtype`` (NumPy's pocketfft computes in double; a complex64 input stays complex64)."""
    if scale != 1:
        out *= scale
    return out.astype(dtype, copy=False)


class FftC2CBackward0(Op):
    """``scale * F z`` (``forward``) or ``scale * conj(F) z`` over ``dims``; the adjoint is the other direction."""

    @staticmethod
    def forward(ctx, z, dims, forward, scale):
        ctx.meta = (dims, forward, scale)
        return _c2c_array(z, dims, forward, scale)

    @staticmethod
    def backward(ctx, g):
        dims, forward, scale = ctx.meta
        return FftC2CBackward0.apply(g, dims, not forward, scale), None, None, None


class FftR2CBackward0(Op):
    """``scale * F x`` of a real x over ``dims``, keeping only the first half (n//2 + 1) of the last dim when
    ``onesided``; the gradient zero-fills the dropped half and takes the real part of the adjoint."""

    @staticmethod
    def forward(ctx, x, dims, scale, onesided):
        ctx.meta = (x.shape, dims, scale, onesided)
        out = np.fft.rfftn(x, axes=dims) if onesided else np.fft.fftn(x, axes=dims)
        return _scaled(out, scale, np.result_type(x.dtype, np.complex64))

    @staticmethod
    def backward(ctx, g):
        shape, dims, scale, onesided = ctx.meta
        if onesided:
            last = dims[-1]
            missing = shape[last] - g.shape[last]
            if missing:
                pad_shape = list(g.shape)
                pad_shape[last] = missing
                g = cat([g, zeros(*pad_shape, dtype=g.dtype)], last)
        return real(FftC2CBackward0.apply(g, dims, False, scale)), None, None, None


class FftC2RBackward0(Op):
    """The real signal of length ``n`` (last dim) whose one-sided spectrum is ``z``, times ``scale`` (an
    unnormalised inverse transform); the gradient is the one-sided forward transform with the bins that stand for
    two (all but the first and, for even n, the last) doubled, as in PyTorch."""

    @staticmethod
    def forward(ctx, z, dims, scale, n):
        ctx.meta = (dims, scale)
        shape = [z.shape[d] for d in dims[:-1]] + [n]
        out = np.fft.irfftn(z, s=shape, axes=dims, norm="forward")
        return _scaled(out, scale, z.real.dtype)

    @staticmethod
    def backward(ctx, g):
        dims, scale = ctx.meta
        gz = FftR2CBackward0.apply(g, dims, scale, True)
        last = dims[-1]
        double = g.shape[last] - gz.shape[last]
        if double > 0:
            weights = np.ones(gz.shape[last], dtype=g._data.dtype)
            weights[1:1 + double] = 2
            gz = gz * wrap(weights.reshape((-1,) + (1,) * (gz.ndim - 1 - last)))
        return gz, None, None, None


# -- arguments -------------------------------------------------------------------------------------------------------

_NORMS = (None, "backward", "ortho", "forward")


def _scale(norm, n: int, forward: bool) -> float:
    """The factor PyTorch's ``norm`` puts on a transform of ``n`` points in the given direction."""
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    if norm == "ortho":
        return 1 / math.sqrt(n)
    if (norm == "forward") == forward:
        return 1 / n
    return 1.0


def _as_float_or_complex(x, name: str, real_only: bool = False):
    """A floating or complex input (integers become the default float dtype); PyTorch's errors otherwise."""
    kind = x._data.dtype.kind
    if kind == "c" and real_only:
        raise RuntimeError(f"{name} expects a real input tensor, but got {_type_name(x._data.dtype)}")
    if x._data.dtype == np.float16 or is_bfloat16(x._data.dtype):
        raise RuntimeError(f"Unsupported dtype {_type_name(x._data.dtype)}")
    if kind not in "fc":
        return x.to(get_default_dtype())
    return x


def _dims_and_sizes(x, s, dim, default_all: bool):
    """Normalised dims and the signal size along each (None: keep the input's)."""
    if dim is None:
        if s is None:
            dims = tuple(range(x.ndim)) if default_all else (x.ndim - 2, x.ndim - 1)
        else:
            if len(s) > x.ndim:
                raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
            dims = tuple(range(x.ndim - len(s), x.ndim))
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(normalize_dim(d, x.ndim) for d in dims)
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    sizes = [None] * len(dims) if s is None else [None if n == -1 else n for n in s]
    for n in sizes:
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, sizes


def _resized(x, dims: tuple, sizes):
    """``x`` trimmed or zero-padded along each of ``dims`` to its size (None: as it is)."""
    for d, n in zip(dims, sizes):
        if n is None or n == x.shape[d]:
            continue
        if n < x.shape[d]:
            x = narrow(x, d, 0, n)
        else:
            pad = list(x.shape)
            pad[d] = n - x.shape[d]
            x = cat([x, zeros(*pad, dtype=x.dtype)], d)
    return x


def _points(x, dims: tuple) -> int:
    return math.prod(x.shape[d] for d in dims)


# -- complex and real-input transforms --------------------------------------------------------------------------------

def _fft(x, s, dim, norm, forward: bool, name: str, default_all: bool = True):
    x = _as_float_or_complex(x, name)
    dims, sizes = _dims_and_sizes(x, s, dim, default_all)
    x = _resized(x, dims, sizes)
    scale = _scale(norm, _points(x, dims), forward)
    if x._data.dtype.kind == "c":
        return FftC2CBackward0.apply(x, dims, forward, scale)
    out = FftR2CBackward0.apply(x, dims, scale, False)
    return out if forward else conj(out)


def _one(n, dim: int):
    return (None if n is None else (n,)), (dim,)


def fft(input, n=None, dim: int = -1, norm=None):
    """The discrete Fourier transform along ``dim`` (``n`` points: trimmed or zero-padded)."""
    s, dims = _one(n, dim)
    return _fft(input, s, dims, norm, True, "fft")


def ifft(input, n=None, dim: int = -1, norm=None):
    """The inverse discrete Fourier transform along ``dim``."""
    s, dims = _one(n, dim)
    return _fft(input, s, dims, norm, False, "ifft")


def fft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D discrete Fourier transform (over the last two dims by default)."""
    return _fft(input, s, dim, norm, True, "fft2")


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D inverse discrete Fourier transform."""
    return _fft(input, s, dim, norm, False, "ifft2")


def fftn(input, s=None, dim=None, norm=None):
    """The n-D discrete Fourier transform (over every dim, or the last ``len(s)``, by default)."""
    return _fft(input, s, dim, norm, True, "fftn")


def ifftn(input, s=None, dim=None, norm=None):
    """The n-D inverse discrete Fourier transform."""
    return _fft(input, s, dim, norm, False, "ifftn")


def _rfft(x, s, dim, norm, forward: bool, name: str, default_all: bool = True):
    """The one-sided transform of a real signal: rfft (forward) or ihfft (inverse, a conjugate)."""
    x = _as_float_or_complex(x, name, real_only=True)
    dims, sizes = _dims_and_sizes(x, s, dim, default_all)
    x = _resized(x, dims, sizes)
    out = FftR2CBackward0.apply(x, dims, _scale(norm, _points(x, dims), forward), True)
    return out if forward else conj(out)


def rfft(input, n=None, dim: int = -1, norm=None):
    """The one-sided Fourier transform of a real signal: the first n//2 + 1 frequencies."""
    s, dims = _one(n, dim)
    return _rfft(input, s, dims, norm, True, "rfft")


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D one-sided Fourier transform of a real signal (halved along the last of ``dim``)."""
    return _rfft(input, s, dim, norm, True, "rfftn")


def rfftn(input, s=None, dim=None, norm=None):
    """The n-D one-sided Fourier transform of a real signal (halved along the last of ``dim``)."""
    return _rfft(input, s, dim, norm, True, "rfftn")


def ihfft(input, n=None, dim: int = -1, norm=None):
    """The inverse of ``hfft``: the one-sided inverse transform of a real signal."""
    s, dims = _one(n, dim)
    return _rfft(input, s, dims, norm, False, "ihfft")


def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D inverse of ``hfft2``."""
    return _rfft(input, s, dim, norm, False, "ihfftn")


def ihfftn(input, s=None, dim=None, norm=None):
    """The n-D inverse of ``hfftn``."""
    return _rfft(input, s, dim, norm, False, "ihfftn")


def _irfft(z, s, dim, norm, forward: bool, name: str, default_all: bool = True):
    """A real signal from a one-sided spectrum: irfft (inverse), or hfft (forward, of the conjugate)."""
    z = _as_float_or_complex(z, name)
    dims, sizes = _dims_and_sizes(z, s, dim, default_all)
    last = dims[-1]
    n = sizes[-1] if sizes[-1] is not None else 2 * (z.shape[last] - 1)
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    z = _resized(z, dims, sizes[:-1] + [n // 2 + 1])
    if z._data.dtype.kind != "c":
        z = z.to(z.dtype.to_complex())
    if forward:
        z = conj(z)
    points = math.prod(z.shape[d] for d in dims[:-1]) * n
    return FftC2RBackward0.apply(z, dims, _scale(norm, points, forward), n)


def irfft(input, n=None, dim: int = -1, norm=None):
    """The real signal (of ``n`` points, 2 (m - 1) by default) whose one-sided spectrum is ``input``."""
    s, dims = _one(n, dim)
    return _irfft(input, s, dims, norm, False, "irfft")


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D inverse of ``rfft2``."""
    return _irfft(input, s, dim, norm, False, "irfftn")


def irfftn(input, s=None, dim=None, norm=None):
    """The n-D inverse of ``rfftn``."""
    return _irfft(input, s, dim, norm, False, "irfftn")


def hfft(input, n=None, dim: int = -1, norm=None):
    """The Fourier transform of a Hermitian-symmetric signal given by its first half: a real spectrum."""
    s, dims = _one(n, dim)
    return _irfft(input, s, dims, norm, True, "hfft")


def hfft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D ``hfft``."""
    return _irfft(input, s, dim, norm, True, "hfftn")


def hfftn(input, s=None, dim=None, norm=None):
    """The n-D ``hfft``."""
    return _irfft(input, s, dim, norm, True, "hfftn")


# -- frequencies and shifts ------------------------------------------------------------------------------------------

def _freq_dtype(dtype, name: str) -> np.dtype:
    dt = get_default_dtype().np if dtype is None else to_numpy_dtype(dtype)
    if not is_floating(dt):
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    return dt


def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The sample frequencies of an ``n``-point transform with sample spacing ``d``: 0, 1, ..., -1 over n d."""
    out = wrap(np.fft.fftfreq(n, d).astype(_freq_dtype(dtype, "fftfreq")))
    return out.requires_grad_() if requires_grad else out


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The non-negative sample frequencies of an ``n``-point one-sided transform."""
    out = wrap(np.fft.rfftfreq(n, d).astype(_freq_dtype(dtype, "rfftfreq")))
    return out.requires_grad_() if requires_grad else out


def _shift(x, dim, sign: int):
    dims = tuple(range(x.ndim)) if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    shifts = tuple(sign * (x.shape[d] // 2) for d in dims)
    return roll(x, shifts, dims)


def fftshift(input, dim=None):
    """Moves the zero frequency to the centre (a roll by n // 2 along each of ``dim``, all by default)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """Undoes ``fftshift``."""
    return _shift(input, dim, -1)
