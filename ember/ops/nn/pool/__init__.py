"""Pooling ops: ``functional`` (the public functions), ``ops`` (their autograd Ops), ``checks`` (PyTorch's argument
rules and messages); the array work is in ``ember.ops.kernels.pool``."""
from .fractional import *  # noqa: F401,F403
from .fractional import __all__ as _fractional_all
from .functional import *  # noqa: F401,F403
from .functional import __all__ as _functional_all

__all__ = _functional_all + _fractional_all
