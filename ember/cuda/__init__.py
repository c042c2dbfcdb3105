"""``ember.cuda``: the answers of PyTorch's CPU build, so ``if torch.cuda.is_available():`` programs run on the CPU.

Queries answer as there (``is_available()`` False, ``device_count()`` 0, memory counters 0, seeding a no-op); calls
that need a GPU raise PyTorch's own ``AssertionError: Torch not compiled with CUDA enabled``.
"""
from __future__ import annotations

from collections import OrderedDict

from .._device import device as _device, not_compiled
from . import amp

__all__ = ["amp", "can_device_access_peer", "current_device", "current_stream", "device", "device_count",
           "device_of", "empty_cache", "Event", "get_arch_list", "get_device_capability", "get_device_name",
           "get_device_properties", "get_gencode_flags", "get_rng_state", "get_rng_state_all", "init",
           "initial_seed", "ipc_collect", "is_available", "is_bf16_supported", "is_initialized",
           "is_tf32_supported", "manual_seed", "manual_seed_all", "max_memory_allocated", "max_memory_cached",
           "max_memory_reserved", "mem_get_info", "memory_allocated", "memory_cached", "memory_reserved",
           "memory_stats", "seed", "seed_all", "set_device", "set_per_process_memory_fraction", "set_rng_state",
           "set_rng_state_all", "Stream", "stream", "StreamContext", "synchronize"]

default_generators: tuple = ()


def _unavailable(*args, **kwargs):
    raise not_compiled("cuda")


def _nothing(*args, **kwargs) -> None:
    """A call PyTorch's CPU build accepts and ignores (seeding and cache control are lazy there)."""


def _zero(*args, **kwargs) -> int:
    return 0


def is_available() -> bool:
    """False: ember has no CUDA backend."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def is_tf32_supported() -> bool:
    return False


def get_arch_list() -> list:
    return []


def get_gencode_flags() -> str:
    return ""


def memory_stats(device=None) -> OrderedDict:
    return OrderedDict()


def get_rng_state_all() -> list:
    return []


def set_device(device) -> None:
    """A negative index is ignored, as in PyTorch; any CUDA device raises (PyTorch's CPU wheel fails here on a
    missing internal function; ember gives the error every other CUDA call gives)."""
    index = device if isinstance(device, int) else _device(device)
    if not isinstance(index, int):
        if index.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {index}")
        index = 0 if index.index is None else index.index
    if index >= 0:
        raise not_compiled("cuda")


manual_seed = manual_seed_all = seed = seed_all = set_rng_state = set_rng_state_all = empty_cache = _nothing
memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _zero
memory_cached = max_memory_cached = _zero
current_device = synchronize = init = initial_seed = get_rng_state = get_device_name = _unavailable
get_device_properties = get_device_capability = mem_get_info = current_stream = ipc_collect = _unavailable
can_device_access_peer = set_per_process_memory_fraction = _unavailable


class device:
    """``with torch.cuda.device(i):``: selecting a CUDA device fails on entry (index -1 selects nothing)."""

    def __init__(self, device) -> None:
        self.idx = device if isinstance(device, int) else (-1 if device is None else _device(device).index or 0)

    def __enter__(self) -> None:
        if self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc) -> bool:
        return False


class device_of(device):
    """``with torch.cuda.device_of(tensor):``: a CPU tensor selects no device."""

    def __init__(self, obj) -> None:
        super().__init__(-1)


class Stream:
    """CUDA streams do not exist in a CPU build."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    """CUDA events do not exist in a CPU build."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError("Tried to instantiate dummy base class Event")


class StreamContext:
    """``with torch.cuda.stream(None):`` selects nothing, as in PyTorch."""

    def __init__(self, stream) -> None:
        if stream is not None:
            raise not_compiled("cuda")
        self.stream = stream

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        return False


def stream(stream) -> StreamContext:
    return StreamContext(stream)
