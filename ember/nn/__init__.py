"""``ember.nn``: modules, parameters, functional, init, utils and parallel wrappers."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .parallel import DataParallel  # noqa: F401
from . import functional, init, parallel, utils  # noqa: F401
