"""Searching sorted data and membership (``ember/ops/search.py``) against PyTorch: results, dtypes and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, same_error

RNG = np.random.default_rng(0)
SEQ = np.sort(RNG.integers(0, 10, (3, 4, 6)), axis=-1).astype(np.float64)  # ties between rows and values
VALUES = RNG.integers(-1, 11, (3, 4, 5)).astype(np.float64)


def both(fn):
    """``fn(lib)`` on ember and torch, compared (results may be tensors or tuples of tensors)."""
    e, t = fn(ember), fn(torch)
    for a, b in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
        assert_close(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("kwargs", [{}, dict(right=True), dict(side="right"), dict(side="left"),
                                    dict(out_int32=True)])
def test_searchsorted_matches_torch(dtype, kwargs):
    seq, values = SEQ.astype(dtype), VALUES.astype(dtype)
    both(lambda lib: lib.searchsorted(lib.tensor(seq), lib.tensor(values), **kwargs))
    both(lambda lib: lib.searchsorted(lib.tensor(seq[1, 2]), lib.tensor(values), **kwargs))
    both(lambda lib: lib.searchsorted(lib.tensor(seq[0, 0]), lib.tensor(values[0, 0]), **kwargs))
    both(lambda lib: lib.searchsorted(lib.tensor(seq[0, 0]), 4, **kwargs))
    both(lambda lib: lib.bucketize(lib.tensor(values), lib.tensor(seq[2, 1]),
                                   **{k: v for k, v in kwargs.items() if k != "side"}))


def test_searchsorted_with_sorter_and_mixed_dtypes_matches_torch():
    unsorted = RNG.standard_normal((2, 7))
    sorter = np.argsort(unsorted, -1)
    values = RNG.standard_normal((2, 3))
    both(lambda lib: lib.searchsorted(lib.tensor(unsorted), lib.tensor(values), sorter=lib.tensor(sorter)))
    both(lambda lib: lib.searchsorted(lib.tensor(unsorted[0]), lib.tensor(values), sorter=lib.tensor(sorter[0]),
                                      right=True))
    both(lambda lib: lib.searchsorted(lib.tensor([1.0, 2.5, 4.0]), lib.tensor([[1, 3], [5, 2]])))
    both(lambda lib: lib.bucketize(2.5, lib.tensor([1, 2, 3]), right=True))
    both(lambda lib: lib.searchsorted(lib.zeros(2, 0), lib.ones(2, 3)))


def test_isin_matches_torch():
    a, b = RNG.integers(0, 8, (3, 4)), RNG.integers(0, 8, 5)
    for kwargs in [{}, dict(invert=True), dict(assume_unique=False)]:
        both(lambda lib: lib.isin(lib.tensor(a), lib.tensor(b), **kwargs))
        both(lambda lib: lib.isin(lib.tensor(a), 3, **kwargs))
        both(lambda lib: lib.isin(3, lib.tensor(b), **kwargs))
    both(lambda lib: lib.isin(lib.tensor([1.0, 2.5, 3.0]), lib.tensor([3, 1])))
    both(lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2, 3]), assume_unique=True))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_unique_consecutive_matches_torch(dim):
    x = np.array([[1, 1, 2], [1, 1, 2], [3, 1, 2], [3, 1, 2], [1, 1, 2]])
    for inverse, counts in [(False, False), (True, False), (False, True), (True, True)]:
        both(lambda lib: lib.unique_consecutive(lib.tensor(x), return_inverse=inverse, return_counts=counts,
                                                dim=dim))
    both(lambda lib: lib.tensor(x.astype(np.float32)).unique_consecutive(return_counts=True, dim=dim))
    both(lambda lib: lib.unique_consecutive(lib.tensor([], dtype=lib.int64), return_inverse=True,
                                            return_counts=True))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.searchsorted(lib.zeros(2, 3), lib.zeros(3, 1)),
    lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), side="left", right=True),
    lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), side="foo"),
    lambda lib: lib.searchsorted(lib.zeros(2, 3), 3.0),
    lambda lib: lib.searchsorted(lib.tensor(1.0), lib.zeros(2)),
    lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), sorter=lib.tensor([0, 1])),
    lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), sorter=lib.tensor([0.0, 1, 2])),
    lambda lib: lib.searchsorted(lib.zeros(3), lib.zeros(2), sorter=lib.tensor([0, 1, 5])),
    lambda lib: lib.bucketize(lib.zeros(2), lib.zeros(2, 3)),
    lambda lib: lib.isin(1, 2),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
