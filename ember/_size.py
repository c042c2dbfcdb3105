"""``ember.Size``, the tuple subclass that ``tensor.shape`` returns, and the rules for size and dim arguments."""
from __future__ import annotations

import numpy as np

from . import _naming


class Size(tuple):
    """Shape of a tensor, printed as ``ember.Size([6, 1, 3, 3])``."""

    def __repr__(self) -> str:
        return f"{_naming.PACKAGE}.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


def parse_size(size, name: str = "new") -> tuple:
    """``size`` given as ints or one sequence of ints (``zeros(2, 3)``, ``zeros((2, 3))``), refused with the
    messages of PyTorch's argument parser for ``name``: a bool is accepted after the first position, as there."""
    if len(size) == 1 and (isinstance(size[0], bool) or not isinstance(size[0], (int, np.integer))):
        if not isinstance(size[0], (tuple, list)):
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{_type_name(size[0])}")
        size = tuple(size[0])
    elif len(size) > 1 and not isinstance(size[0], (int, np.integer)):
        raise TypeError(f"{name}() takes 1 positional argument but {len(size)} were given")
    for i, s in enumerate(size):
        if isinstance(s, (int, np.integer)) and not (i == 0 and isinstance(s, bool)):
            continue
        if i == 0:
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {_type_name(s)} at pos 0")
        raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                        f"\"type must be tuple of ints,but got {_type_name(s)}\"")
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _type_name(value) -> str:
    """A value's type as PyTorch's argument parser names it: builtins bare, others with their module."""
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def normalize_dim(dim: int, ndim: int) -> int:
    """Wrap a negative dim and check it, with PyTorch's IndexError message."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim
