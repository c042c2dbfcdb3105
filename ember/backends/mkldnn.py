"""``ember.backends.mkldnn``: ember does not use oneDNN; ``enabled`` keeps what is assigned."""
from __future__ import annotations

import sys

from ._flags import set_flags

enabled = True
deterministic = False


def is_available() -> bool:
    return False


def flags(enabled: bool = False, deterministic: bool = False):
    """``with mkldnn.flags(...):`` sets the flags for a block."""
    return set_flags(sys.modules[__name__], enabled=enabled, deterministic=deterministic)
