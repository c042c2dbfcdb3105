"""cov and corrcoef of variables in rows and observations in columns, composed from differentiable ops."""
from __future__ import annotations

from .._dtype import get_default_dtype, is_floating


def cov(input, *, correction: int = 1, fweights=None, aweights=None):
    """The covariance matrix of the rows of ``input`` (a 0-d result for one variable), with optional integer
    frequency weights and float observation weights per column, as ``numpy.cov``."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if not is_floating(x._data.dtype):
        x = x.to(get_default_dtype())
    observations = x.shape[1]
    weights = None
    if fweights is not None:
        weights = fweights
    if aweights is not None:
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = observations
        mean = x.mean(1, keepdim=True)
        norm = total - correction
    else:
        weights = weights.to(x.dtype)
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        norm = total - (correction * (weights * aweights).sum() / total if aweights is not None else correction)
    centred = x - mean
    product = (centred * weights) @ centred.mT.conj() if weights is not None else centred @ centred.mT.conj()
    norm = norm.clamp_min(0) if hasattr(norm, "_data") else max(norm, 0)
    out = product / norm
    return out.squeeze() if input.ndim < 2 or x.shape[0] == 1 else out


def corrcoef(input):
    """Pearson's correlation coefficients of the rows of ``input``, clamped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt() if c._data.dtype.kind != "c" else d.real.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    return c.clamp(-1, 1) if c._data.dtype.kind != "c" else c
