"""Normalisation ops: ``batch_norm`` (batch and instance norm, statistics over the batch) and ``layer_norm``
(layer, group, RMS and local response norm, statistics within each sample); the array work is in
``ember.ops.kernels.norm``."""
from .batch_norm import *  # noqa: F401,F403
from .layer_norm import *  # noqa: F401,F403
from .batch_norm import __all__ as _batch
from .layer_norm import __all__ as _layer

__all__ = _batch + _layer
