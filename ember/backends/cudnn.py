"""``ember.backends.cudnn``: no cuDNN; the flags keep what programs assign (``benchmark = True`` is harmless)."""
from __future__ import annotations

import sys

from ._flags import set_flags

enabled = True
benchmark = False
benchmark_limit = None
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version() -> None:
    """None: no cuDNN library is loaded."""
    return None


def is_acceptable(tensor) -> bool:
    """False: no tensor can go through cuDNN."""
    return False


def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10, deterministic: bool = False,
          allow_tf32: bool = True):
    """``with cudnn.flags(...):`` sets the flags for a block."""
    return set_flags(sys.modules[__name__], enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit,
                     deterministic=deterministic, allow_tf32=allow_tf32)
