"""Dataset combinators and samplers: contents, order, lengths and errors."""
import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, IterableDataset, RandomSampler,
                              SequentialSampler, StackDataset, Subset, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)


class Stream(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_tensor_dataset_rows_and_size_check():
    x, y = ember.arange(12).reshape(6, 2), ember.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    assert ds[4][0].tolist() == [8, 9] and ds[4][1].item() == 4
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(x, ember.arange(5))


def test_concat_subset_chain_stack():
    a, b = TensorDataset(ember.arange(3)), TensorDataset(ember.arange(10, 14))
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7 and cat.cumulative_sizes == [3, 7]
    assert [cat[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert cat[-1][0].item() == 13
    sub = Subset(cat, [6, 0, 3])
    assert [s[0].item() for s in sub] == [13, 0, 10]
    assert list(ChainDataset([Stream(0, 2), Stream(5, 7)])) == [0, 1, 5, 6]
    stacked = StackDataset(a, a)
    assert stacked[1][0][0].item() == 1 and len(stacked) == 3
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a, b)


def test_random_split_is_a_seeded_partition():
    ds = TensorDataset(ember.arange(10))
    parts = random_split(ds, [0.3, 0.7], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(ds[i][0].item() for p in parts for i in p.indices)
    assert seen == list(range(10))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    assert again[0].indices == parts[0].indices
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])


def test_samplers_order_and_lengths():
    data = list(range(10))
    assert list(SequentialSampler(data)) == data
    g = ember.Generator().manual_seed(0)
    perm = list(RandomSampler(data, generator=g))
    assert sorted(perm) == data and perm != data
    assert perm == list(RandomSampler(data, generator=ember.Generator().manual_seed(0)))
    with_repl = list(RandomSampler(data, replacement=True, num_samples=25, generator=g))
    assert len(with_repl) == 25 and set(with_repl) <= set(data)
    assert sorted(SubsetRandomSampler([3, 5, 7], generator=g)) == [3, 5, 7]
    assert list(BatchSampler(SequentialSampler(data), 4, False)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(BatchSampler(data, 4, True)) == 2 and len(BatchSampler(data, 4, False)) == 3


def test_weighted_sampler_follows_weights():
    draws = np.array(list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=ember.Generator().manual_seed(0))))
    counts = np.bincount(draws, minlength=3) / 4000
    assert counts[0] == 0 and abs(counts[2] - 0.75) < 0.03
    unique = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(unique) == [0, 1, 2, 3]


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_sampler_argument_errors(bad):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], bad)
