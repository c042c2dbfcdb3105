"""``ember.cuda.amp``: PyTorch's deprecated spellings of ``amp.autocast('cuda')`` and ``amp.GradScaler('cuda')``."""
from __future__ import annotations

import warnings

from .. import amp as _amp
from ..amp import custom_bwd as _custom_bwd, custom_fwd as _custom_fwd


class autocast(_amp.autocast):
    """``torch.cuda.amp.autocast(...)``: ``amp.autocast('cuda', ...)``, disabled on a CPU build."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``: ``amp.GradScaler('cuda', ...)``, disabled on a CPU build."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.cuda.amp.custom_fwd``: ``amp.custom_fwd(device_type='cuda')``."""
    return _custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    """``torch.cuda.amp.custom_bwd``: ``amp.custom_bwd(device_type='cuda')``."""
    return _custom_bwd(bwd, device_type="cuda")
