"""``GeneralizedPareto(loc, scale, concentration)``."""
from __future__ import annotations

import math
import numbers

from .. import _creation
from .._size import Size
from ..ops import isclose, where
from . import constraints
from ._scalar import _Broadcast

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(_Broadcast):
    """The generalized Pareto distribution; ``concentration`` 0 is the shifted exponential."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True
    _params = ("loc", "scale", "concentration")

    def __init__(self, loc, scale, concentration, validate_args=None) -> None:
        super().__init__(loc, scale, concentration, validate_args=validate_args)

    def _safe_concentration(self):
        """(concentration is 0, concentration with its zeros replaced by 1)."""
        eq_zero = isclose(self.concentration, _creation.zeros_like(self.concentration))
        return eq_zero, self.concentration.masked_fill(eq_zero, 1.0)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return self.icdf(_creation.rand(shape, dtype=self.loc.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe_concentration()
        y = 1 / safe_conc + _creation.ones_like(z)
        where_nonzero = where(y == 0, y, y * (safe_conc * z).log1p())
        log_scale = math.log(self.scale) if isinstance(self.scale, numbers.Real) else self.scale.log()
        return -log_scale - where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._safe_concentration()
        return where(eq_zero, -z, -(safe_conc * z).log1p() / safe_conc)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        eq_zero, safe_conc = self._safe_concentration()
        logu = (-value).log1p()
        where_nonzero = self.loc + self.scale / safe_conc * (-safe_conc * logu).expm1()
        where_zero = self.loc - self.scale * logu
        return where(eq_zero, where_zero, where_nonzero)

    def _z(self, x):
        return (x - self.loc) / self.scale

    @property
    def mean(self):
        valid = self.concentration < 1
        safe_conc = self.concentration.masked_fill(~valid, 0.5)
        return (self.loc + self.scale / (1 - safe_conc)).masked_fill(~valid, math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        safe_conc = self.concentration.masked_fill(~valid, 0.25)
        result = self.scale ** 2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc))
        return result.masked_fill(~valid, math.nan)

    def entropy(self):
        ans = self.scale.log() + self.concentration + 1
        return ans.broadcast_to(self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        upper = where(self.concentration < 0, lower - self.scale / self.concentration,
                      _creation.full_like(lower, math.inf))
        return constraints.interval(lower, upper)
