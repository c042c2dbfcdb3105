"""nn.utils.rnn against PyTorch: packing and padding (values, batch sizes, indices, gradients) and bad input."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn, same_error

R = lambda lib: lib.nn.utils.rnn  # noqa: E731


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([3, 5, 1, 3], False),
                                                    ([4, 4, 4, 4], True), ([2, 2, 5, 1], False)])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_then_pad_matches_torch(batch_first, lengths, enforce_sorted, as_tensor):
    T, B = 5, 4
    x = randn(*((B, T, 2) if batch_first else (T, B, 2)), seed=1)

    def fn(lib, x):
        lens = lib.tensor(lengths) if as_tensor else lengths
        p = R(lib).pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        padded, out_lengths = R(lib).pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.0,
                                                          total_length=7)
        extra = [p.sorted_indices, p.unsorted_indices] if not enforce_sorted else []
        return [p.data, p.batch_sizes, padded, out_lengths] + extra

    check(fn, x)
    if enforce_sorted:
        p = R(ember).pack_padded_sequence(ember.tensor(x), lengths, batch_first=batch_first)
        assert p.sorted_indices is None and p.unsorted_indices is None


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    seqs = [randn(3, 2, seed=1), randn(5, 2, seed=2), randn(1, 2, seed=3)]
    check(lambda lib, a, b, c: R(lib).pad_sequence([a, b, c], batch_first=batch_first, padding_value=1.5,
                                                    padding_side=padding_side), *seqs)
    check(lambda lib, a: R(lib).pad_sequence([a], batch_first=batch_first), randn(4, seed=4))  # 1-D sequences


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_round_trip(enforce_sorted):
    seqs = [randn(5, 3, seed=1), randn(2, 3, seed=2), randn(4, 3, seed=3)]
    if enforce_sorted:
        seqs = sorted(seqs, key=len, reverse=True)

    def fn(lib, a, b, c):
        p = R(lib).pack_sequence([a, b, c], enforce_sorted=enforce_sorted)
        return [p.data, p.batch_sizes] + R(lib).unpack_sequence(p)

    check(fn, *seqs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_matches_torch(batch_first):
    def fn(lib, a, b):
        padded = R(lib).pad_sequence([a, b], batch_first=batch_first)
        return R(lib).unpad_sequence(padded, lib.tensor([4, 2]), batch_first=batch_first)

    check(fn, randn(4, 3, seed=1), randn(2, 3, seed=2))


def test_packed_sequence_type_and_methods():
    p = R(ember).pack_sequence([ember.ones(3, 2), ember.ones(1, 2)])
    assert isinstance(p, tuple) and p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.double().data.dtype == ember.float64 and p.to(ember.float64).batch_sizes is p.batch_sizes
    assert p.to(ember.float32) is p and not p.is_cuda
    data, batch_sizes, _, _ = p
    assert batch_sizes.tolist() == [2, 1, 1] and batch_sizes.dtype == ember.int64
    q = R(ember).PackedSequence(data, batch_sizes, ember.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    assert R(ember).invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_bad_input_raises_torchs_errors():
    x = lambda lib: lib.zeros(5, 3, 2)  # noqa: E731
    same_error(lambda lib: R(lib).pack_padded_sequence(x(lib), [3, 5, 2]), "enforce_sorted")
    same_error(lambda lib: R(lib).pack_padded_sequence(x(lib), [5, 3, 0]), "greater than 0")
    same_error(lambda lib: R(lib).pack_padded_sequence(x(lib), [5, 3]), "batch_size=3")
    same_error(lambda lib: R(lib).pad_sequence([lib.zeros(2, 3), lib.zeros(3, 4)]), "tensor b (4)")
    same_error(lambda lib: R(lib).pad_sequence([lib.zeros(2)], padding_side="middle"), "middle")
    same_error(lambda lib: R(lib).pad_sequence([]), "empty")
    same_error(lambda lib: R(lib).pad_sequence(3), "iterable")
    p = lambda lib: R(lib).pack_sequence([lib.zeros(3, 2), lib.zeros(1, 2)])  # noqa: E731
    same_error(lambda lib: R(lib).pad_packed_sequence(p(lib), total_length=2), "total_length=2")


def test_float_lengths_are_accepted_as_torch_does():
    x = randn(4, 2, 3)
    outs = [R(lib).pack_padded_sequence(lib.tensor(x), lib.tensor([4.0, 2.0])) for lib in (ember, torch)]
    assert_close(outs[0].data, outs[1].data)
    assert_close(outs[0].batch_sizes, outs[1].batch_sizes)
