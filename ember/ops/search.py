"""Searching sorted data and testing membership: searchsorted, bucketize, isin, unique_consecutive.

None of them is differentiable (their results are indices, booleans or picked values with no gradient in PyTorch
either, except unique_consecutive's values, which PyTorch does not differentiate). A batched ``searchsorted``
runs as one sort of every row's boundaries and values together: no loop over rows.
"""
from __future__ import annotations

import numpy as np

from .._dtype import _type_name, result_type
from .._tensor import Tensor, wrap
from ._util import normalize_dim

__all__ = ["searchsorted", "bucketize", "isin", "unique_consecutive"]


def _check_side(side, right: bool) -> bool:
    if side is None:
        return right
    if side not in ("left", "right"):
        raise RuntimeError(f"ember.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError("ember.searchsorted(): side and right can't be set to opposites, got side of left while "
                           "right was True")
    return side == "right"


def _batched_search(seq: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """Per row, how many boundaries lie before each value (``<`` for left, ``<=`` for right): boundaries and values
    of every row sorted together by (row, value, tag), then a running count of boundaries."""
    rows, m = seq.shape
    n = values.shape[1]
    row = np.concatenate([np.repeat(np.arange(rows), m), np.repeat(np.arange(rows), n)])
    key = np.concatenate([seq.reshape(-1), values.reshape(-1)])
    # on ties, values sort before equal boundaries for the left side and after them for the right side
    is_value = np.concatenate([np.zeros(rows * m, np.int8), np.ones(rows * n, np.int8)])
    tag = is_value if right else 1 - is_value
    order = np.lexsort((tag, key, row))
    boundaries_before = np.cumsum(is_value[order] == 0)
    out = np.empty(order.size, np.int64)
    out[order] = boundaries_before
    return out[rows * m:].reshape(rows, n) - (np.arange(rows) * m)[:, None]


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None):
    """Where each value of ``input`` would go in ``sorted_sequence`` (1-d, or sorted along its last dim with the
    leading dims matching ``input``'s) to keep it sorted: the first such index, or the last with ``right``."""
    right = _check_side(side, right)
    if sorted_sequence.ndim == 0:
        raise RuntimeError("ember.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    scalar = not isinstance(input, Tensor)
    if scalar and sorted_sequence.ndim != 1:
        raise RuntimeError("ember.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({sorted_sequence.ndim}) and input value's dim(0) "
                           "numel(1)")
    if not scalar and sorted_sequence.ndim != 1 and (
            sorted_sequence.ndim != input.ndim or sorted_sequence.shape[:-1] != input.shape[:-1]):
        raise RuntimeError("ember.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(sorted_sequence.shape)} and input value tensor {list(input.shape)}")
    seq = sorted_sequence._data
    if sorter is not None:
        if sorter._data.dtype != np.int64:
            raise RuntimeError("ember.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{_type_name(sorter._data.dtype)}")
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError("ember.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(sorted_sequence.shape)}and got sorter tensor {list(sorter.shape)}")
        if sorter._data.size and (sorter._data.min() < 0 or sorter._data.max() >= seq.shape[-1]):
            raise RuntimeError("ember.searchsorted(): sorter index out of range")
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    dt = result_type(sorted_sequence, input)
    values = np.asarray(input._data if not scalar else input, dtype=dt)
    seq = seq.astype(dt, copy=False)
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side="right" if right else "left")
    else:
        rows = int(np.prod(seq.shape[:-1]))
        out = _batched_search(seq.reshape(rows, seq.shape[-1]), values.reshape(rows, values.shape[-1]), right)
        out = out.reshape(values.shape)
    return wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """The index of the bucket of each value of ``input`` between the 1-d increasing ``boundaries``
    (``searchsorted(boundaries, input, right=right)``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """True where an element of ``elements`` occurs in ``test_elements`` (False there with ``invert``); either side
    may be a number."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
            f"{type(test_elements).__name__}), but expected one of:\n"
            " * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor "
            "out = None)\n"
            " * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor "
            "out = None)\n"
            " * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, Tensor "
            "out = None)\n")
    dt = result_type(elements, test_elements)
    a = np.asarray(elements._data if isinstance(elements, Tensor) else elements, dt)
    b = np.asarray(test_elements._data if isinstance(test_elements, Tensor) else test_elements, dt)
    return wrap(np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)))


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The input with each run of equal consecutive elements (or slices along ``dim``) kept once; optionally where
    each input entry went (``inverse``) and each run's length (``counts``)."""
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        starts = np.ones(flat.size, np.bool_)
        starts[1:] = flat[1:] != flat[:-1]
        values, inverse_shape = flat[starts], data.shape
    else:
        dim = normalize_dim(dim, data.ndim)
        moved = np.moveaxis(data, dim, 0).reshape(data.shape[dim], -1)
        starts = np.ones(moved.shape[0], np.bool_)
        starts[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        values, inverse_shape = np.compress(starts, data, axis=dim), (data.shape[dim],)
    out = [wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(wrap((np.cumsum(starts) - 1).reshape(inverse_shape).astype(np.int64)))
    if return_counts:
        out.append(wrap(np.diff(np.append(np.flatnonzero(starts), starts.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
