"""Loss ops: ``functional`` (the public functions, and the regression losses themselves), ``nll`` (NLL and
cross-entropy), ``binary``, ``margin``, ``ctc``, and ``reduction`` (the ``reduction=`` argument and shared checks)."""
from .functional import *  # noqa: F401,F403
from .functional import __all__  # noqa: F401
