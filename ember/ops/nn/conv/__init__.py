"""Convolution ops (``conv*d``, ``conv_transpose*d``, ``unfold``, ``fold``); their array work is in
``ember.ops.kernels.conv``."""
from .functional import *  # noqa: F401,F403
from .functional import __all__  # noqa: F401
