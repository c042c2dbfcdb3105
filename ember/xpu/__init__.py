"""``ember.xpu``: Intel GPUs are absent, as in PyTorch's CPU build (its answers and its XPU error)."""
from __future__ import annotations

from .._device import not_compiled

__all__ = ["current_device", "device_count", "empty_cache", "get_device_name", "get_device_properties",
           "get_rng_state", "initial_seed", "is_available", "is_bf16_supported", "manual_seed", "manual_seed_all",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "seed", "seed_all", "set_device",
           "synchronize"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def _nothing(*args, **kwargs) -> None:
    """Seeding and cache control are lazy in PyTorch: accepted and ignored without a device."""


def _zero(*args, **kwargs) -> int:
    return 0


def _unavailable(*args, **kwargs):
    raise not_compiled("xpu")


manual_seed = manual_seed_all = seed = seed_all = empty_cache = _nothing
memory_allocated = max_memory_allocated = memory_reserved = _zero
current_device = set_device = synchronize = get_device_name = get_device_properties = _unavailable
get_rng_state = initial_seed = _unavailable
