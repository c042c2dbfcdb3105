"""``ember.Size``, the tuple subclass that ``tensor.shape`` returns, and the rules for size and dim arguments."""
from __future__ import annotations

import numpy as np


class Size(tuple):
    """Shape of a tensor, printed as ``ember.Size([6, 1, 3, 3])``."""

    def __repr__(self) -> str:
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

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


def parse_size(size, name: str = "") -> tuple:
    """``size`` given as ints or one sequence of ints (``zeros(2, 3)``, ``zeros((2, 3))``), checked as ``name``
    checks it."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{name or 'new'}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(s).__name__}")
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def normalize_dim(dim: int, ndim: int) -> int:
    """Wrap a negative dim and check it, with PyTorch's IndexError message."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim
