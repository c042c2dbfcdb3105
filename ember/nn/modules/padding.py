"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and ``CircularPad`` in 1-3 d.

``padding`` is an int (same on every side) or a tuple ``(left, right[, top, bottom[, front, back]])``.
"""
from __future__ import annotations

from ...ops.nn.padding import pad
from .module import Module
from ._arguments import _ntuple

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _nd = 0

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim of ``(N, C, W)`` or ``(C, W)`` with ``value``."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``: ``padding = (left, right, top, bottom)``."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``: ``padding = (left, right, top, bottom, front, back)``."""

    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _nd = 0
    _mode = ""

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with the reflection of the input (edge not repeated): ``[1, 2, 3] -> [2, 1, 2, 3, 2]``."""

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Reflection padding of the last 2 dims."""

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Reflection padding of the last 3 dims."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim by repeating the edge value: ``[1, 2, 3] -> [1, 1, 2, 3, 3]``."""

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Replication padding of the last 2 dims."""

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Replication padding of the last 3 dims."""

    _nd, _mode = 3, "replicate"


class _CircularPadNd(_ModePadNd):
    _mode = "circular"

    def forward(self, input):
        if input.ndim not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.ndim}D input)")
        return pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around: ``[1, 2, 3] -> [3, 1, 2, 3, 1]``."""

    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last 2 dims."""

    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last 3 dims."""

    _nd = 3
