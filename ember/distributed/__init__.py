"""``ember.distributed``: importable like ``torch.distributed`` so tutorials that import it run; ember has no
process groups or communication backend, so it reports itself unavailable and refuses to start one."""
from __future__ import annotations

__all__ = ["is_available", "is_initialized", "init_process_group", "get_rank", "get_world_size"]

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


def is_available() -> bool:
    """False: ember has no distributed backend (torch answers True when it was built with one)."""
    return False


def is_initialized() -> bool:
    return False


def init_process_group(*args, **kwargs) -> None:
    raise RuntimeError("ember.distributed is not available: ember has no process groups or communication backend. "
                       "Train in one process (nn.DataParallel runs the module on the CPU).")


def get_rank(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)


def get_world_size(group=None) -> int:
    raise ValueError(_NOT_INITIALIZED)
