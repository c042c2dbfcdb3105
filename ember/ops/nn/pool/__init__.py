"""Pooling ops: ``functional`` (the public functions), ``ops`` (their autograd Ops), ``checks`` (PyTorch's argument
rules and messages); the array work is in ``ember.ops.kernels.pool``."""
from .functional import *  # noqa: F401,F403
from .functional import __all__  # noqa: F401
