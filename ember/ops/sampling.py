"""Random draws that distributions build on: gamma draws with their reparameterisation gradient, Poisson and
binomial counts. The arrays come from ``kernels/sampling.py``, fed by the default (or a given) generator."""
from __future__ import annotations

import numpy as np

from .._random import default_generator
from .._tensor import wrap
from ..autograd.function import Op
from .kernels import sampling, special

__all__ = ["binomial", "poisson"]


class StandardGammaBackward0(Op):
    """Gamma(alpha, 1) draws; the gradient is d sample / d alpha at fixed CDF value (implicit
    reparameterisation), as PyTorch's ``_standard_gamma_grad``."""

    @staticmethod
    def forward(ctx, alpha, gen):
        out = sampling.standard_gamma(gen, alpha).astype(alpha.dtype)
        ctx.arrays = (alpha, out)
        return out

    @staticmethod
    def backward(ctx, g):
        alpha, out = ctx.arrays
        return g * wrap(special.standard_gamma_grad(alpha, out).astype(alpha.dtype)), None


def _standard_gamma(alpha, generator=None):
    """Gamma(alpha, 1) draws, differentiable in ``alpha``."""
    return StandardGammaBackward0.apply(alpha, generator or default_generator)


def poisson(input, generator=None):
    """Poisson draws with rates ``input`` (no gradient)."""
    out = sampling.poisson(generator or default_generator, input._data)
    return wrap(out.astype(input._data.dtype))


def binomial(count, prob, generator=None):
    """Binomial draws: successes in ``count`` trials of probability ``prob`` (no gradient)."""
    out = sampling.binomial(generator or default_generator, count._data, prob._data)
    return wrap(out.astype(np.result_type(count._data, prob._data)))
