"""``ember.mps``: Apple's Metal backend is absent, as in PyTorch builds without MPS (its answers and errors)."""
from __future__ import annotations

__all__ = ["current_allocated_memory", "device_count", "driver_allocated_memory", "empty_cache", "get_rng_state",
           "is_available", "manual_seed", "recommended_max_memory", "seed", "set_per_process_memory_fraction",
           "set_rng_state", "synchronize"]


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Ignored without an MPS device, as in PyTorch."""


def _without_mps(call: str):
    def fail(*args, **kwargs):
        raise RuntimeError(f"Cannot execute {call}() without MPS backend.")
    fail.__name__ = call
    return fail


synchronize = _without_mps("deviceSynchronize")
empty_cache = _without_mps("emptyCache")
current_allocated_memory = _without_mps("getCurrentAllocatedMemory")
driver_allocated_memory = _without_mps("getDriverAllocatedMemory")
recommended_max_memory = _without_mps("getRecommendedMaxMemory")
set_per_process_memory_fraction = _without_mps("setMemoryFraction")
get_rng_state = seed = set_rng_state = _without_mps("getDefaultGenerator")
