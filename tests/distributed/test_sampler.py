"""DistributedSampler yields PyTorch's index lists for the same arguments."""
import itertools

import pytest
import torch
import torch.utils.data as tdata

import ember
from ember.utils.data import DistributedSampler

GRID = list(itertools.product([1, 7, 10, 11], [1, 2, 3, 4], [False, True]))


def lists(module, length: int, replicas: int, drop_last: bool, shuffle: bool, seed: int = 0, epoch: int = 0):
    out = []
    for rank in range(replicas):
        sampler = module(range(length), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                         drop_last=drop_last)
        sampler.set_epoch(epoch)
        out.append((list(sampler), len(sampler), sampler.total_size))
    return out


@pytest.mark.parametrize("length, replicas, drop_last", GRID)
def test_unshuffled_shares_equal_torch(length, replicas, drop_last):
    assert lists(DistributedSampler, length, replicas, drop_last, False) == \
        lists(tdata.DistributedSampler, length, replicas, drop_last, False)


def _randperm_is_torchs() -> bool:
    g, h = ember.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    return ember.randperm(20, generator=g).tolist() == torch.randperm(20, generator=h).tolist()


@pytest.mark.xfail(not _randperm_is_torchs(), reason="needs issue 20's exact randperm", strict=False)
@pytest.mark.parametrize("length, replicas, drop_last", GRID)
def test_shuffled_shares_equal_torch(length, replicas, drop_last):
    for seed, epoch in ((0, 0), (5, 3)):
        assert lists(DistributedSampler, length, replicas, drop_last, True, seed, epoch) == \
            lists(tdata.DistributedSampler, length, replicas, drop_last, True, seed, epoch)


def test_every_epoch_is_a_new_order_shared_by_the_ranks():
    orders = []
    for epoch in range(2):
        shares = [DistributedSampler(range(12), num_replicas=3, rank=r) for r in range(3)]
        for s in shares:
            s.set_epoch(epoch)
        orders.append([list(s) for s in shares])
        assert sorted(sum(orders[-1], [])) == list(range(12))
    assert orders[0] != orders[1]


@pytest.mark.parametrize("rank", [-1, 2])
def test_invalid_rank_is_refused_as_in_torch(rank):
    with pytest.raises(ValueError) as expected:
        tdata.DistributedSampler(range(4), num_replicas=2, rank=rank)
    with pytest.raises(ValueError) as got:
        DistributedSampler(range(4), num_replicas=2, rank=rank)
    assert str(got.value) == str(expected.value)


def test_without_a_process_group_the_defaults_fail_as_in_torch():
    pytest.importorskip("mpi4py")  # without it, ember.distributed is not available (another error)
    with pytest.raises(ValueError) as expected:
        tdata.DistributedSampler(range(4))
    with pytest.raises(ValueError) as got:
        DistributedSampler(range(4))
    assert str(got.value) == str(expected.value)
