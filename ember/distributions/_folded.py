"""A base for the half (folded at 0) versions of symmetric distributions: ``|X|``."""
from __future__ import annotations

import math
from operator import attrgetter

from .transformed_distribution import TransformedDistribution


class _Folded(TransformedDistribution):
    """``|X|`` for ``X`` symmetric about 0: twice the density on [0, inf)."""

    scale = property(attrgetter("base_dist.scale"))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return log_prob.masked_fill(value < 0, -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
