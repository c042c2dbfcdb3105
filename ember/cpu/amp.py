"""``ember.cpu.amp``: PyTorch's deprecated spellings of ``amp.autocast('cpu')`` and ``amp.GradScaler('cpu')``."""
from __future__ import annotations

from ..amp._deprecated import device_autocast, device_grad_scaler

autocast = device_autocast("cpu")
GradScaler = device_grad_scaler("cpu")
