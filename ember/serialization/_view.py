"""Checks a tensor view named by a checkpoint (storage offset, size, stride) against the storage that backs it.

The numbers come from the file: without these checks a crafted checkpoint reads process memory past a storage or
crashes the interpreter. The refusals are PyTorch's (``RuntimeError``, its messages) for the same inputs.
"""
from __future__ import annotations

_INT64_MAX = 2 ** 63 - 1


def _int(value, what: str) -> int:
    if type(value) is not int:
        raise RuntimeError(f"ember.load: the checkpoint names a {what} of type {type(value).__name__}, not an int")
    return value


def check_view(storage_numel: int, offset, size, stride) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """``(size, stride, offset)`` as ints once the view is known to lie inside a storage of ``storage_numel``."""
    if not isinstance(size, tuple) or not isinstance(stride, tuple):
        raise RuntimeError("ember.load: a tensor's size and stride must be tuples of ints")
    size = tuple(_int(s, "size") for s in size)
    stride = tuple(_int(s, "stride") for s in stride)
    offset = _int(offset, "storage offset")
    if len(size) != len(stride):
        raise RuntimeError(f"unequal size length ({len(size)}) and stride length ({len(stride)})")
    numel = 1
    for s in size:
        numel *= s
        if s < 0 or numel > _INT64_MAX:
            raise RuntimeError("numel: integer multiplication overflow")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if numel == 0:
        return size, stride, offset
    last = 0
    for s, st in zip(size, stride):
        last += (s - 1) * st
        if st < 0 or last > _INT64_MAX:
            raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                               f"strides={list(stride)}")
    if offset + last >= storage_numel:
        raise RuntimeError(f"Trying to resize storage that is not resizable: the view (storage offset {offset}, "
                           f"size {list(size)}, stride {list(stride)}) reaches element {offset + last} of a "
                           f"storage of {storage_numel} elements")
    return size, stride, offset
