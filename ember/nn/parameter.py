"""``nn.Parameter``: a Tensor that a Module registers as one of its parameters, and ``nn.Buffer``."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _init
from .._dtype import get_default_dtype, is_real_floating

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
        if requires_grad and not is_real_floating(array.dtype):  # PyTorch's factory message, not the setter's
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


def _materialize(placeholder: Tensor, shape, dtype, becomes: type) -> None:
    """Give a lazy placeholder its storage (uninitialised values, as in PyTorch: the module initialises them) and
    turn it into the class it stands for; modules hold the same object, so they see the change."""
    placeholder._data = np.empty(tuple(shape), dtype=(dtype or placeholder._lazy_dtype).np)
    placeholder.__class__ = becomes


class UninitializedParameter(Parameter):
    """A lazy module's parameter before its first forward: no shape yet; ``materialize(shape)`` makes it a
    ``Parameter``."""

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        super().__init__(None, requires_grad)
        self._lazy_dtype = dtype or get_default_dtype()

    def materialize(self, shape, device=None, dtype=None) -> None:
        _materialize(self, shape, dtype, Parameter)

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
        self._lazy_dtype = dtype or get_default_dtype()

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the buffer its storage; it keeps this class (a plain Tensor has no room for it), so the lazy
        module that owns it registers a plain tensor on the same storage in its place."""
        _materialize(self, shape, dtype, type(self))

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


def is_lazy(param) -> bool:
    """Whether ``param`` is an uninitialised (lazy) parameter or buffer."""
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
