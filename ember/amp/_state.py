"""The low-level autocast switches of ``torch``'s top level (``torch.set_autocast_enabled``,
``torch.get_autocast_cpu_dtype``...): they read and write the same per-device state ``autocast`` regions use.
The per-device spellings (``*_cpu_*``, ``*_gpu_*``, ``*_ipu_*``, ``*_xla_*``) are PyTorch's older names."""
from __future__ import annotations

from .autocast_mode import _STATE, _state, get_autocast_dtype, is_autocast_enabled

# the devices only these old spellings name, with PyTorch's defaults
_STATE.setdefault("ipu", [False, _STATE["cuda"][1]])
_STATE.setdefault("xla", [False, _STATE["cpu"][1]])
_CACHE = [True]
_NESTING = [0]


def set_autocast_enabled(device_type, enabled=None) -> None:
    """``set_autocast_enabled(device_type, enabled)``, or the old ``set_autocast_enabled(enabled)`` for 'cuda'."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _state(device_type)[0] = bool(enabled)


def set_autocast_dtype(device_type: str, dtype) -> None:
    _state(device_type)[1] = dtype


def _per_device(device_type: str):
    def get_dtype():
        return get_autocast_dtype(device_type)

    def set_dtype(dtype) -> None:
        set_autocast_dtype(device_type, dtype)

    def is_enabled() -> bool:
        return is_autocast_enabled(device_type)

    def set_enabled(enabled: bool) -> None:
        set_autocast_enabled(device_type, enabled)

    return get_dtype, set_dtype, is_enabled, set_enabled


get_autocast_cpu_dtype, set_autocast_cpu_dtype, is_autocast_cpu_enabled, set_autocast_cpu_enabled = _per_device("cpu")
get_autocast_gpu_dtype, set_autocast_gpu_dtype, _, _ = _per_device("cuda")
get_autocast_ipu_dtype, set_autocast_ipu_dtype, is_autocast_ipu_enabled, set_autocast_ipu_enabled = _per_device("ipu")
get_autocast_xla_dtype, set_autocast_xla_dtype, is_autocast_xla_enabled, set_autocast_xla_enabled = _per_device("xla")


def is_autocast_cache_enabled() -> bool:
    return _CACHE[0]


def set_autocast_cache_enabled(enabled: bool) -> None:
    _CACHE[0] = bool(enabled)


def clear_autocast_cache() -> None:
    """ember casts nothing under autocast, so there is no cache to clear."""


def autocast_increment_nesting() -> int:
    _NESTING[0] += 1
    return _NESTING[0]


def autocast_decrement_nesting() -> int:
    _NESTING[0] -= 1
    return _NESTING[0]
