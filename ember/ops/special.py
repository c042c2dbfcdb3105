"""The regularized incomplete gamma functions ``igamma`` (P) and ``igammac`` (Q), with their gradient in ``other``
(PyTorch has none in ``input`` either)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ._util import promote_operands, sum_to
from .kernels import special
from .pointwise import lgamma

__all__ = ["igamma", "igammac"]


class IgammaBackward0(Op):
    """P(a, x); dP/dx is the Gamma(a, 1) density."""

    _sign = 1.0

    @classmethod
    def forward(cls, ctx, a, x, dt):
        a, x = np.asarray(a, dtype=dt), np.asarray(x, dtype=dt)
        ctx.save_for_backward(a, x)
        ctx.shapes = (np.shape(a), np.shape(x))
        return special.gammainc(a, x, upper=cls._sign < 0).astype(dt, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"derivative for aten::{'igamma' if cls._sign > 0 else 'igammac'} is not "
                                      "implemented")
        density = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, sum_to(g * density * cls._sign, ctx.shapes[1]), None


class IgammacBackward0(IgammaBackward0):
    """Q(a, x) = 1 - P(a, x)."""

    _sign = -1.0


def igamma(input, other):
    """Regularized lower incomplete gamma function P(input, other)."""
    return IgammaBackward0.apply(*promote_operands(input, other, float_result=True))


def igammac(input, other):
    """Regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    return IgammacBackward0.apply(*promote_operands(input, other, float_result=True))
