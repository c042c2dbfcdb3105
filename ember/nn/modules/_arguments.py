"""Argument helpers the layer constructors share."""
from __future__ import annotations


def _ntuple(value, n: int) -> tuple:
    """``value`` as an ``n``-tuple: a list or tuple as given, anything else repeated ``n`` times."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n
