"""``ember.accelerator``: PyTorch's device-agnostic accelerator API on a machine with none (its CPU build's answers)."""
from __future__ import annotations

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "current_stream",
           "device_count", "device_index", "empty_cache", "is_available", "max_memory_allocated",
           "memory_allocated", "set_device_idx", "set_device_index", "synchronize"]


def is_available() -> bool:
    """False: ember runs on the CPU only."""
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator (``check_available`` changes nothing when there is none)."""
    return None


def _none_available(*args, **kwargs):
    raise RuntimeError("Cannot access accelerator device when none is available.")


current_device_index = current_device_idx = set_device_index = set_device_idx = synchronize = _none_available
current_stream = empty_cache = memory_allocated = max_memory_allocated = _none_available


class device_index:
    """``with torch.accelerator.device_index(i):``: selects nothing when ``i`` is None, fails otherwise."""

    def __init__(self, device) -> None:
        self.idx = device

    def __enter__(self) -> None:
        if self.idx is not None:
            _none_available()

    def __exit__(self, *exc) -> bool:
        return False
