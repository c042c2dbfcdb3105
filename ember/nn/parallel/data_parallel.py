"""``DataParallel``: PyTorch splits a batch over GPUs; ember has only the CPU, so the wrapped module runs as is.

The wrapper keeps PyTorch's structure: the module is the child ``module``, so state_dict keys gain the prefix
``module.`` (``module.fc1.weight``) exactly as in PyTorch, and checkpoints move between the two unchanged.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Wraps ``module`` for data-parallel training; on ember's single CPU device it just calls the module.

    ``device_ids``, ``output_device`` and ``dim`` are accepted for compatibility; as in PyTorch without a GPU,
    ``device_ids`` ends up empty.
    """

    def __init__(self, module: Module, device_ids: Sequence[int] | None = None, output_device: int | None = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[int] | None = None,
                  output_device: int | None = None, dim: int = 0, module_kwargs: dict | None = None) -> Any:
    """The functional form of ``DataParallel``: evaluates ``module(*inputs, **module_kwargs)`` on the CPU.

    PyTorch raises "device type could not be determined" without a GPU; ember runs the module instead, which is
    what the call means on a single device.
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
