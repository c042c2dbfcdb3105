"""``nn.Parameter``: a Tensor that a Module registers as one of its parameters, and ``nn.Buffer``."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _init
from .._dtype import get_default_dtype

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


class Parameter(Tensor):
    """A tensor that is a module parameter: assigned as a Module attribute, it appears in ``parameters()``.

    ``Parameter(t)`` shares ``t``'s storage (no copy) and requires grad by default. Results of operations on a
    Parameter are plain Tensors.
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=get_default_dtype().np)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = np.asarray(data)
        _init(self, array)
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter
        if requires_grad and array.dtype.kind != "f":  # PyTorch's factory message, not the setter's
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self.requires_grad))

    def __deepcopy__(self, memo: dict) -> "Parameter":
        # PyTorch copies the data and requires_grad only: the copy has no .grad even when the original has one
        # (a plain Tensor's deepcopy keeps its grad)
        if id(self) in memo:
            return memo[id(self)]
        out = type(self)(self._data.copy(order="K"), self.requires_grad)
        memo[id(self)] = out
        return out


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    Assignment registers ``Buffer(t, persistent=...)``'s data as a buffer; the module then holds a plain Tensor
    sharing ``t``'s storage, as in PyTorch.
    """

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=get_default_dtype().np)
        else:
            array = data._data if isinstance(data, Tensor) else np.asarray(data)
        _init(self, array)
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter
        self.persistent = persistent


class UninitializedParameter(Parameter):
    """Placeholder for a lazy module's parameter; ember has no lazy modules, so it cannot be used for math."""

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        super().__init__(None, requires_grad)

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    def __deepcopy__(self, memo: dict) -> "UninitializedParameter":
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad)
        return memo[id(self)]


class UninitializedBuffer(Tensor):
    """Placeholder for a lazy module's buffer."""

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        _init(self, np.empty((0,), dtype=get_default_dtype().np))

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


def is_lazy(param) -> bool:
    """Whether ``param`` is an uninitialised (lazy) parameter or buffer."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
