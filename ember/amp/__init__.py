"""``ember.amp``: automatic mixed precision as a CPU build of PyTorch offers it.

``autocast`` keeps PyTorch's state (``is_autocast_enabled``, ``get_autocast_dtype``) so mixed-precision programs run
unchanged; ember computes every op in the dtype of its inputs (float32 stays float32), so results under autocast are
the float32 results. ``GradScaler`` is PyTorch's loss scaler: disabled (a pass-through) for 'cuda', which a CPU build
lacks, and working for 'cpu'.
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, get_autocast_dtype, is_autocast_available, \
    is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "get_autocast_dtype", "is_autocast_available",
           "is_autocast_enabled", "GradScaler"]
