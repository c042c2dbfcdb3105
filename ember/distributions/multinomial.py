"""``Multinomial(total_count=1, probs=None, logits=None)``: category counts over ``total_count`` draws."""
from __future__ import annotations

import math

from .. import _creation
from .._size import Size
from ..autograd.grad_mode import no_grad
from . import constraints
from .binomial import Binomial
from .categorical import _CategoricalWrapper
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(_CategoricalWrapper):
    """Counts of each of ``K`` categories among ``total_count`` Categorical draws (event shape ``(K,)``)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args=None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        super().__init__(probs, logits, validate_args)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_categorical(Multinomial, batch_shape, _instance)
        new.total_count = self.total_count
        new._binomial = self._binomial.expand(Size(batch_shape) + self.event_shape)
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        with no_grad():
            samples = self._categorical.sample(Size((self.total_count,)) + sample_shape)
            shifted_idx = list(range(samples.dim()))
            shifted_idx.append(shifted_idx.pop(0))
            samples = samples.permute(*shifted_idx)
            counts = _creation.zeros(self._extended_shape(sample_shape), dtype=samples.dtype)
            counts = counts.scatter_add(-1, samples, _creation.ones_like(samples))
            return counts.to(self.probs.dtype)

    def entropy(self):
        n = _creation.tensor(float(self.total_count), dtype=self.probs.dtype)
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - (n + 1).lgamma()
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        term2 = (binomial_probs * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = logits.masked_fill((value == 0) & (logits == -math.inf), 0.0)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
