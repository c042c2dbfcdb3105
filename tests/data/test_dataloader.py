"""DataLoader: batching, shuffling, worker processes, failures surfacing in the main process."""
import multiprocessing
import os
import time

import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


def _dataset(n=10):
    return TensorDataset(ember.arange(n).float().unsqueeze(1), ember.arange(n))


def _labels(loader):
    return [yb.tolist() for _, yb in loader]


@pytest.mark.parametrize("batch_size,drop_last,expected", [
    (4, False, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
    (4, True, [[0, 1, 2, 3], [4, 5, 6, 7]]),
    (10, False, [list(range(10))]),
])
def test_sequential_batches(batch_size, drop_last, expected):
    loader = DataLoader(_dataset(), batch_size=batch_size, drop_last=drop_last)
    assert _labels(loader) == expected
    assert len(loader) == len(expected)
    xb, yb = next(iter(loader))
    assert xb.shape == ember.Size([len(expected[0]), 1]) and xb.dtype == ember.float32 and yb.dtype == ember.int64


def test_shuffle_is_reproducible_with_a_seeded_generator_and_changes_per_epoch():
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True, generator=ember.Generator().manual_seed(7))
    first, second = _labels(loader), _labels(loader)
    flat = sorted(i for b in first for i in b)
    assert flat == list(range(10)) and first != second
    again = DataLoader(_dataset(), batch_size=3, shuffle=True, generator=ember.Generator().manual_seed(7))
    assert _labels(again) == first


def test_manual_seed_controls_default_shuffling():
    ember.manual_seed(3)
    a = _labels(DataLoader(_dataset(), batch_size=5, shuffle=True))
    ember.manual_seed(3)
    assert _labels(DataLoader(_dataset(), batch_size=5, shuffle=True)) == a


def test_batch_size_none_and_custom_collate():
    loader = DataLoader(_dataset(3), batch_size=None)
    assert [y.item() for _, y in loader] == [0, 1, 2]
    summed = DataLoader(_dataset(4), batch_size=2, collate_fn=lambda batch: sum(int(y) for _, y in batch))
    assert list(summed) == [1, 5]


@pytest.mark.parametrize("kwargs,message", [
    (dict(batch_sampler=[[0]], batch_size=2), "mutually exclusive"),
    (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
    (dict(num_workers=-1), "non-negative"),
    (dict(persistent_workers=True), "needs num_workers > 0"),
    (dict(prefetch_factor=2), "prefetch_factor"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_dataset(), **kwargs)


def test_workers_give_the_same_batches_in_order_and_leave_no_processes():
    single = _labels(DataLoader(_dataset(23), batch_size=4))
    multi = _labels(DataLoader(_dataset(23), batch_size=4, num_workers=2, prefetch_factor=3))
    assert multi == single
    assert multiprocessing.active_children() == []


class _WorkerIds(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return ember.tensor([i, info.id, info.num_workers, os.getpid()])


def test_worker_info_and_init_fn():
    seen = []
    loader = DataLoader(_WorkerIds(), batch_size=2, num_workers=2, worker_init_fn=seen.append)
    rows = ember.cat(list(loader)).tolist()
    assert [r[0] for r in rows] == list(range(8))
    assert {r[1] for r in rows} == {0, 1} and {r[2] for r in rows} == {2}
    assert os.getpid() not in {r[3] for r in rows}
    assert get_worker_info() is None


def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(_WorkerIds(), batch_size=4, num_workers=2, persistent_workers=True)
    pids = [{r[3] for r in ember.cat(list(loader)).tolist()} for _ in range(2)]
    assert pids[0] == pids[1]
    loader._pool.shutdown()
    assert multiprocessing.active_children() == []


class _Shards(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, 10, step))


def test_iterable_dataset_sharded_over_workers():
    single = [x.tolist() for x in DataLoader(_Shards(), batch_size=3)]
    assert single == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    multi = sorted(v for x in DataLoader(_Shards(), batch_size=2, num_workers=2) for v in x.tolist())
    assert multi == list(range(10))


class _Fails(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("bad sample 2")
        return i


class _Crashes(_Fails):
    def __getitem__(self, i):
        if i == 2:
            os._exit(3)
        return i


class _Hangs(_Fails):
    def __getitem__(self, i):
        if i == 2:
            time.sleep(30)
        return i


def test_worker_exception_is_reraised_with_its_origin():
    with pytest.raises(ValueError, match="(?s)Caught ValueError in DataLoader worker process 0.*bad sample 2"):
        list(DataLoader(_Fails(), batch_size=1, num_workers=1))
    assert multiprocessing.active_children() == []


def test_crashed_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$") as info:
        list(DataLoader(_Crashes(), batch_size=1, num_workers=1))
    assert "exited unexpectedly with exit code 3. Details are lost" in str(info.value.__cause__)
    assert multiprocessing.active_children() == []


def test_hanging_worker_times_out():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 2 seconds"):
        list(DataLoader(_Hangs(), batch_size=1, num_workers=1, timeout=2))
    assert multiprocessing.active_children() == []
