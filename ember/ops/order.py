"""Order statistics: kthvalue, mode, msort."""
from __future__ import annotations

import numpy as np

from .._size import normalize_dim
from .._tensor import wrap
from .reduce import return_types
from .sort import sort

_kthvalue_t, _mode_t = return_types.make("kthvalue"), return_types.make("mode")


def _pick(input, index: np.ndarray, dim: int, keepdim: bool):
    """The values of ``input`` at ``index`` (one per slice along ``dim``, kept as a size-1 dim) and the indices."""
    idx = wrap(index)
    values = input.gather(dim, idx) if input.ndim else input
    if not keepdim and input.ndim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    return values, idx


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest value along ``dim`` and its index (ties: the earlier index)."""
    dim = normalize_dim(dim, max(input.ndim, 1))
    size = input.shape[dim] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    data = input._data
    order = np.argsort(data, axis=dim, kind="stable") if input.ndim else np.zeros((), np.int64)
    index = np.take(order, [k - 1], axis=dim) if input.ndim else order
    return _kthvalue_t(*_pick(input, index.astype(np.int64), dim, keepdim))


def mode(input, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` (ties: the smallest) and the last index where it stands."""
    dim = normalize_dim(dim, max(input.ndim, 1))
    if input.ndim == 0:
        return _mode_t(*_pick(input, np.zeros((), np.int64), 0, keepdim))
    data = np.moveaxis(input._data, dim, -1)
    rows = data.reshape(-1, data.shape[-1])
    length = rows.shape[1]
    ordered = np.sort(rows, axis=1, kind="stable")
    # runs of equal values in each sorted row: a run's length is how often its value occurs
    new_run = np.ones(ordered.shape, dtype=bool)
    new_run[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = np.cumsum(new_run, axis=1) - 1
    counts = np.zeros(rows.shape, dtype=np.int64)
    np.add.at(counts, (np.arange(len(rows))[:, None], run), 1)
    best_run = counts.argmax(axis=1)  # the first longest run: the smallest of the most frequent values
    value = ordered[np.arange(len(rows)), np.argmax(run == best_run[:, None], axis=1)]
    last = length - 1 - np.argmax((rows == value[:, None])[:, ::-1], axis=1)
    index = np.moveaxis(last.reshape(data.shape[:-1] + (1,)), -1, dim).astype(np.int64)
    return _mode_t(*_pick(input, index, dim, keepdim))


def msort(input):
    """``input`` sorted along its first dim."""
    return sort(input, dim=0).values
