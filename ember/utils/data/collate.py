"""Collation: turning a list of samples into a batch (stacked tensors, recursively through containers)."""
from __future__ import annotations

import collections.abc

import numpy as np

from ..._creation import tensor
from ..._tensor import Tensor, wrap
from ...ops.shape import stack

_BAD_ELEMENT = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch: list):
    """Stack tensors/arrays along a new dim 0, make numbers into tensors, recurse into dicts and sequences."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USO":
            raise TypeError(_BAD_ELEMENT.format(elem.dtype))
        return wrap(np.stack(batch))
    if isinstance(elem, np.generic):
        return wrap(np.asarray(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # mappings whose constructor takes something else fall back to dict, like torch
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(_BAD_ELEMENT.format(type(elem)))


def default_convert(data):
    """What an unbatched DataLoader (batch_size=None) applies: NumPy arrays become tensors, containers recurse."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return wrap(data)
    if isinstance(data, np.generic):
        return wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data
