"""A base for distributions whose parameters are all batch-shaped tensors broadcast together (``Normal``'s
shape): one constructor and one ``expand`` instead of one per class."""
from __future__ import annotations

import numbers

from .._size import Size
from .distribution import Distribution, _expanded
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits


class _Broadcast(Distribution):
    """Subclasses list their parameters in ``_params`` (constructor order)."""

    _params: tuple = ()

    def __init__(self, *values, validate_args=None) -> None:
        for name, value in zip(self._params, broadcast_all(*values)):
            setattr(self, name, value)
        if all(isinstance(v, numbers.Number) for v in values):
            batch_shape = Size()
        else:
            batch_shape = getattr(self, self._params[0]).size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        # PyTorch checks against the class that lists the parameters, so a subclass with its own __init__ must
        # bring its own expand
        declaring = next(c for c in type(self).__mro__ if "_params" in vars(c))
        return _expanded(self, declaring, batch_shape, _instance, *self._params)


class _BinaryProbs(Distribution):
    """Distributions given by elementwise ``probs`` or ``logits`` (log-odds), exactly one of them, optionally
    broadcast with a ``total_count``; the other is derived lazily."""

    def _set_probs_or_logits(self, probs, logits, total_count=None) -> bool:
        """Store the given parameter (and ``total_count``); True when it was a Python number."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        if total_count is None:
            (value,) = broadcast_all(given)
        else:
            count, value = broadcast_all(total_count, given)
            self.total_count = count.type_as(value)
        setattr(self, name, value)
        self._param = value
        return isinstance(given, numbers.Number)

    def _expand_probs(self, cls, batch_shape, _instance):
        new = _expanded(self, cls, batch_shape, _instance, "total_count", "probs", "logits")
        new._param = new.__dict__.get("logits", new.__dict__.get("probs"))
        return new

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)
