"""``ember.nn``: modules, parameters, functional, init, utils and parallel wrappers."""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .parallel import *  # noqa: F401,F403
from . import functional, init, parallel, utils  # noqa: F401
