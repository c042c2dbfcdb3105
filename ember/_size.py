"""``ember.Size``: the tuple subclass that ``tensor.shape`` returns."""
from __future__ import annotations


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
