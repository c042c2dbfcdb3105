"""Numerical integration along a dim by the trapezoidal rule: trapezoid (trapz), cumulative_trapezoid."""
from __future__ import annotations

from ._util import normalize_dim


def _pieces(y, x, dx, dim: int):
    """The trapezoids' areas along ``dim``: ``(y[i] + y[i+1]) / 2 * width[i]``."""
    dim = normalize_dim(dim, y.ndim)
    n = y.shape[dim]
    if n == 0:
        return None, dim
    left, right = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if x is None:
        return (left + right) * (0.5 * (1.0 if dx is None else dx)), dim
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        width = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[dim] = n - 1
        width = width.reshape(shape)
    else:
        xd = normalize_dim(dim, x.ndim)
        width = x.narrow(xd, 1, x.shape[xd] - 1) - x.narrow(xd, 0, x.shape[xd] - 1)
    return (left + right) * width * 0.5, dim


def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The integral of ``y`` along ``dim``, sampled at ``x`` (or every ``dx``, default 1)."""
    pieces, dim = _pieces(y, x, dx, dim)
    if pieces is None:
        return y.sum(dim) * 0
    return pieces.sum(dim)


def trapz(y, x=None, *, dx=None, dim: int = -1):
    """The older name of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running integral of ``y`` along ``dim`` (one value fewer than ``y``)."""
    pieces, dim = _pieces(y, x, dx, dim)
    if pieces is None:
        return y
    return pieces.cumsum(dim)
