"""PyTorch's deprecated per-device spellings, ``torch.cuda.amp.autocast(...)`` and ``torch.cpu.amp.GradScaler(...)``:
the same classes for each device, made here once."""
from __future__ import annotations

import warnings

from .autocast_mode import autocast
from .grad_scaler import GradScaler


def device_autocast(device_type: str) -> type:
    """``torch.<device_type>.amp.autocast``: ``amp.autocast(device_type, ...)`` with PyTorch's FutureWarning."""

    class DeviceAutocast(autocast):
        def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
            warnings.warn(f"`torch.{device_type}.amp.autocast(args...)` is deprecated. Please use "
                          f"`torch.amp.autocast('{device_type}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    DeviceAutocast.__name__ = DeviceAutocast.__qualname__ = "autocast"
    DeviceAutocast.__module__ = f"ember.{device_type}.amp"
    return DeviceAutocast


def device_grad_scaler(device_type: str) -> type:
    """``torch.<device_type>.amp.GradScaler``: ``amp.GradScaler(device_type, ...)`` with PyTorch's FutureWarning."""

    class DeviceGradScaler(GradScaler):
        def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                     growth_interval: int = 2000, enabled: bool = True) -> None:
            warnings.warn(f"`torch.{device_type}.amp.GradScaler(args...)` is deprecated. Please use "
                          f"`torch.amp.GradScaler('{device_type}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device_type, init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    DeviceGradScaler.__name__ = DeviceGradScaler.__qualname__ = "GradScaler"
    DeviceGradScaler.__module__ = f"ember.{device_type}.amp"
    return DeviceGradScaler
