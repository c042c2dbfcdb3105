"""``ember.cuda.amp``: PyTorch's deprecated spellings of ``amp.autocast('cuda')`` and ``amp.GradScaler('cuda')``,
disabled on a CPU build."""
from __future__ import annotations

from ..amp import custom_bwd as _custom_bwd, custom_fwd as _custom_fwd
from ..amp._deprecated import device_autocast, device_grad_scaler

autocast = device_autocast("cuda")
GradScaler = device_grad_scaler("cuda")


def custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.cuda.amp.custom_fwd``: ``amp.custom_fwd(device_type='cuda')``."""
    return _custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    """``torch.cuda.amp.custom_bwd``: ``amp.custom_bwd(device_type='cuda')``."""
    return _custom_bwd(bwd, device_type="cuda")
