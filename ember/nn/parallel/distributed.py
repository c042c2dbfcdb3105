"""``DistributedDataParallel``: needs process groups and a communication backend, which ember does not have."""
from __future__ import annotations

from typing import Any

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Not supported: constructing one raises ``NotImplementedError`` (a RuntimeError) explaining why."""

    def __init__(self, module: Module, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "ember.nn.parallel.DistributedDataParallel is not yet supported: ember has no distributed backend "
            "(ember.distributed, process groups). Train the module directly, or wrap it in nn.DataParallel, which "
            "runs it on the CPU and gives the same 'module.' state_dict keys.")
