"""Every collective of ember.distributed on 2+ ranks, against NumPy's result on all ranks' data."""
from datetime import timedelta
from functools import reduce as fold

import numpy as np
from checks import check, run_all

import ember
import ember.distributed as dist
from ember.utils.data import DistributedSampler


def data(rank: int, dtype=np.float64) -> np.ndarray:
    """Rank ``rank``'s input: distinct values per rank and position, positive (PRODUCT) and not sorted by rank."""
    return ((np.arange(6).reshape(2, 3) * (rank + 2) + 7 * (rank % 3) + 1) % 11 + 1).astype(dtype)


def everyone(n: int, dtype=np.float64) -> list[np.ndarray]:
    return [data(r, dtype) for r in range(n)]


@check
def all_reduce_ops(rank, n):
    expected = {dist.ReduceOp.SUM: sum(everyone(n)), dist.ReduceOp.AVG: sum(everyone(n)) / n,
                dist.ReduceOp.PRODUCT: fold(np.multiply, everyone(n)),
                dist.ReduceOp.MIN: np.minimum.reduce(everyone(n)), dist.ReduceOp.MAX: np.maximum.reduce(everyone(n))}
    for op, want in expected.items():
        t = ember.tensor(data(rank))
        address = t.data_ptr()
        dist.all_reduce(t, op=op)
        np.testing.assert_allclose(t.numpy(), want, rtol=1e-15)
        assert t.data_ptr() == address  # in place, in the tensor's own buffer
    t = ember.tensor(data(rank, np.int64))
    dist.all_reduce(t, op=dist.ReduceOp.BXOR)
    assert (t.numpy() == np.bitwise_xor.reduce(everyone(n, np.int64))).all()
    f = ember.tensor(data(rank, np.float32))
    dist.all_reduce(f)
    assert f.dtype == ember.float32 and np.allclose(f.numpy(), sum(everyone(n)))
    for op, want in ((dist.ReduceOp.SUM, [True, False, True]), (dist.ReduceOp.MIN, [False, False, True])):
        flags = ember.tensor([rank == 0, False, True])
        dist.all_reduce(flags, op=op)
        assert flags.tolist() == want


@check
def all_reduce_non_contiguous_writes_through_the_view(rank, n):
    base = ember.tensor(data(rank))
    view = base.t()
    version = view._version
    dist.all_reduce(view)
    np.testing.assert_array_equal(base.numpy(), sum(everyone(n)))
    assert view._version == version + 1


@check
def all_reduce_async(rank, n):
    t = ember.tensor(data(rank))
    work = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    assert work.wait() is True and work.is_completed()
    np.testing.assert_allclose(t.numpy(), sum(everyone(n)) / n)


@check
def broadcast_and_reduce(rank, n):
    t = ember.tensor(data(rank))
    dist.broadcast(t, src=n - 1)
    np.testing.assert_array_equal(t.numpy(), data(n - 1))
    t = ember.tensor(data(rank))
    dist.reduce(t, dst=1, op=dist.ReduceOp.MAX)
    np.testing.assert_array_equal(t.numpy(), np.maximum.reduce(everyone(n)) if rank == 1 else data(rank))


@check
def gathers(rank, n):
    out = [ember.zeros(2, 3, dtype=ember.float64) for _ in range(n)]
    dist.all_gather(out, ember.tensor(data(rank)))
    for r in range(n):
        np.testing.assert_array_equal(out[r].numpy(), data(r))
    flat = ember.zeros(2 * n, 3, dtype=ember.float64)
    dist.all_gather_into_tensor(flat, ember.tensor(data(rank)))
    np.testing.assert_array_equal(flat.numpy(), np.concatenate(everyone(n)))
    stacked = ember.zeros(n, 2, 3, dtype=ember.float64)
    dist.all_gather_into_tensor(stacked, ember.tensor(data(rank)))
    np.testing.assert_array_equal(stacked.numpy(), np.stack(everyone(n)))
    got = [ember.zeros(2, 3, dtype=ember.float64) for _ in range(n)] if rank == 0 else None
    dist.gather(ember.tensor(data(rank)), got, dst=0)
    if rank == 0:
        for r in range(n):
            np.testing.assert_array_equal(got[r].numpy(), data(r))


@check
def scatter(rank, n):
    t = ember.zeros(2, 3, dtype=ember.float64)
    parts = [ember.tensor(data(r) * 10) for r in range(n)] if rank == 1 else None
    dist.scatter(t, parts, src=1)
    np.testing.assert_array_equal(t.numpy(), data(rank) * 10)


@check
def reduce_scatters(rank, n):
    inputs = [ember.tensor(data(rank) + i) for i in range(n)]
    out = ember.zeros(2, 3, dtype=ember.float64)
    dist.reduce_scatter(out, inputs)
    np.testing.assert_array_equal(out.numpy(), sum(d + rank for d in everyone(n)))
    big = ember.tensor(np.concatenate([data(rank) + i for i in range(n)]))
    dist.reduce_scatter_tensor(out, big, op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(out.numpy(), sum(d + rank for d in everyone(n)) / n)


@check
def all_to_all(rank, n):
    inputs = [ember.full((r + 1,), 10.0 * rank + r, dtype=ember.float64) for r in range(n)]
    outputs = [ember.zeros(rank + 1, dtype=ember.float64) for _ in range(n)]
    dist.all_to_all(outputs, inputs)
    for r in range(n):
        np.testing.assert_array_equal(outputs[r].numpy(), np.full(rank + 1, 10.0 * r + rank))
    out = ember.zeros(2 * n, dtype=ember.float64)
    dist.all_to_all_single(out, ember.arange(2.0 * n, dtype=ember.float64) + 100 * rank)
    want = np.concatenate([np.arange(2.0 * n)[2 * rank:2 * rank + 2] + 100 * r for r in range(n)])
    np.testing.assert_array_equal(out.numpy(), want)


@check
def point_to_point(rank, n):
    if rank == 0:
        dist.send(ember.tensor(data(0)), dst=1)
        work = dist.irecv(t := ember.zeros(2, 3, dtype=ember.float64), src=1, tag=7)
        work.wait()
        np.testing.assert_array_equal(t.numpy(), data(1))
    elif rank == 1:
        t = ember.zeros(2, 3, dtype=ember.float64)
        assert dist.recv(t) == 0
        np.testing.assert_array_equal(t.numpy(), data(0))
        dist.isend(ember.tensor(data(1)), dst=0, tag=7).wait()


@check
def objects(rank, n):
    items = [{"from": rank}, rank] if rank == 1 else [None, None]
    dist.broadcast_object_list(items, src=1)
    assert items == [{"from": 1}, 1]
    gathered = [None] * n
    dist.all_gather_object(gathered, ("rank", rank))
    assert gathered == [("rank", r) for r in range(n)]
    collected = [None] * n if rank == 0 else None
    dist.gather_object(rank * 2, collected, dst=0)
    assert rank != 0 or collected == [2 * r for r in range(n)]
    mine = [None]
    dist.scatter_object_list(mine, [f"for {r}" for r in range(n)] if rank == 0 else None, src=0)
    assert mine == [f"for {rank}"]


@check
def groups_and_queries(rank, n):
    assert dist.is_initialized() and dist.get_backend() == "mpi" and dist.get_world_size() == n
    group = dist.new_group([1])
    if rank == 1:
        assert dist.get_rank(group) == 0 and dist.get_world_size(group) == 1
        t = ember.tensor(data(1))
        dist.all_reduce(t, group=group)
        np.testing.assert_array_equal(t.numpy(), data(1))
        dist.destroy_process_group(group)
    else:
        assert group == dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(group) == -1
    dist.barrier(timeout=timedelta(seconds=10))


@check
def sampler_takes_rank_and_world_from_the_group(rank, n):
    sampler = DistributedSampler(range(4 * n), shuffle=False)
    assert (sampler.rank, sampler.num_replicas) == (rank, n)
    assert list(sampler) == list(range(4 * n))[rank::n]


if __name__ == "__main__":
    run_all()
