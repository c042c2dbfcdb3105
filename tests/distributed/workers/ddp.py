"""DistributedDataParallel and SyncBatchNorm on 2+ ranks, against one process on the whole batch."""
import copy

import numpy as np
from checks import check, run_all

import ember
import ember.distributed as dist
from ember import nn

STEPS, PER_RANK = 5, 4


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def batches(n: int, steps: int = STEPS) -> tuple:
    rng = np.random.default_rng(1)
    return (ember.tensor(rng.standard_normal((steps, n * PER_RANK, 5))),
            ember.tensor(rng.standard_normal((steps, n * PER_RANK, 3))))


def loss_of(model, x, y):
    return ((model(x) - y) ** 2).mean()


def mine(t, rank: int):
    return t[rank * PER_RANK:(rank + 1) * PER_RANK]


def max_difference(a: nn.Module, b: nn.Module) -> float:
    return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


@check
def ddp_matches_one_process_on_the_whole_batch(rank, n):
    ember.manual_seed(rank)  # different weights on each rank: construction must broadcast rank 0's
    model = mlp()
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.001)
    reference = copy.deepcopy(model)
    assert len(ddp.reducer.buckets) > 1
    assert list(ddp.state_dict()) == ["module." + k for k in reference.state_dict()]
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = ember.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    xs, ys = batches(n)
    for step in range(STEPS):
        opt.zero_grad()
        loss_of(ddp, mine(xs[step], rank), mine(ys[step], rank)).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_of(reference, xs[step], ys[step]).backward()
        ref_opt.step()
    assert ddp.reducer.rebuilt  # the buckets follow the order the gradients arrived in since the first step
    assert max_difference(model, reference) < 1e-10


@check
def gradient_as_bucket_view_gives_the_same_steps(rank, n):
    ember.manual_seed(0)
    model = mlp()
    reference = copy.deepcopy(model)
    ddp = nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=True)
    viewed = nn.parallel.DistributedDataParallel(reference)
    xs, ys = batches(n)
    for net in (ddp, viewed):
        opt = ember.optim.SGD(net.parameters(), lr=0.1)
        for step in range(2):
            opt.zero_grad(set_to_none=False)
            loss_of(net, mine(xs[step], rank), mine(ys[step], rank)).backward()
            opt.step()
    assert max_difference(model, reference) < 1e-12
    bucket = ddp.reducer.buckets[0]
    assert np.shares_memory(bucket.params[0].grad.numpy(), bucket.buffer)


@check
def no_sync_accumulates_locally_then_averages_the_sum(rank, n):
    ember.manual_seed(0)
    model = mlp()
    reference = copy.deepcopy(model)
    ddp = nn.parallel.DistributedDataParallel(model)
    xs, ys = batches(n, 2)
    with ddp.no_sync():
        loss_of(ddp, mine(xs[0], rank), mine(ys[0], rank)).backward()
    local = copy.deepcopy(reference)
    loss_of(local, mine(xs[0], rank), mine(ys[0], rank)).backward()
    for p, q in zip(model.parameters(), local.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)
    loss_of(ddp, mine(xs[1], rank), mine(ys[1], rank)).backward()
    for r in range(n):  # the sum over ranks and both batches of the per-rank mean losses, divided by n
        for step in range(2):
            (loss_of(reference, mine(xs[step], r), mine(ys[step], r)) / n).backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-14)


class Branches(nn.Module):
    """``shared`` always runs; ``first`` only on rank 0; ``never`` never."""

    def __init__(self) -> None:
        super().__init__()
        self.shared, self.first, self.never = nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3)

    def forward(self, x, use_first: bool):
        x = self.shared(x)
        return self.first(x) if use_first else x


@check
def find_unused_parameters_averages_what_some_rank_used(rank, n):
    ember.manual_seed(0)
    model = Branches().double()
    reference = copy.deepcopy(model)
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    x = ember.ones(2, 3, dtype=ember.float64) * (rank + 1)
    ddp(x, rank == 0).sum().backward()
    for r in range(n):
        (reference(ember.ones(2, 3, dtype=ember.float64) * (r + 1), r == 0).sum() / n).backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        if name.startswith("never"):
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


@check
def unused_parameters_without_detection_fail_at_the_next_forward(rank, n):
    ember.manual_seed(0)
    ddp = nn.parallel.DistributedDataParallel(Branches().double())
    x = ember.ones(2, 3, dtype=ember.float64)
    ddp(x, True).sum().backward()
    try:
        ddp(x, True)
    except RuntimeError as e:
        assert str(e).startswith("Expected to have finished reduction in the prior iteration"), e
        assert "Parameter indices which did not receive grad for rank" in str(e)
    else:
        raise AssertionError("no error")


@check
def join_lets_a_rank_run_out_of_batches(rank, n):
    ember.manual_seed(0)
    model = mlp()
    reference = copy.deepcopy(model)
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1)
    xs, ys = batches(n, 3)
    steps = 3 if rank == 0 else 2
    with ddp.join():
        for step in range(steps):
            opt.zero_grad()
            loss_of(ddp, mine(xs[step], rank), mine(ys[step], rank)).backward()
            opt.step()
    ref_opt = ember.optim.SGD(reference.parameters(), lr=0.1)
    for step in range(3):  # zero gradients from the ranks that ran out, still divided by n
        ref_opt.zero_grad()
        for r in range(n if step < 2 else 1):
            (loss_of(reference, mine(xs[step], r), mine(ys[step], r)) / n).backward()
        ref_opt.step()
    assert max_difference(model, reference) < 1e-10


@check
def buffers_are_broadcast_from_rank_0(rank, n):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.0))  # batches leave the statistics alone
    ddp = nn.parallel.DistributedDataParallel(model)
    model[1].running_mean.fill_(float(rank))
    with ember.no_grad():  # no sync outside training steps
        ddp(ember.ones(2, 3))
    assert model[1].running_mean.tolist() == [float(rank)] * 4
    ddp(ember.ones(2, 3))
    assert model[1].running_mean.tolist() == [0.0] * 4


def conv_bn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU()).double()


@check
def sync_batch_norm_equals_batch_norm_on_the_global_batch(rank, n):
    ember.manual_seed(0)
    plain = conv_bn()
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(plain))
    assert type(synced[1]) is nn.SyncBatchNorm
    rng = np.random.default_rng(2)
    x_all = rng.standard_normal((n * 3, 2, 4, 4)) * 3 + 5
    w_all = rng.standard_normal((n * 3, 3, 4, 4))
    x = ember.tensor(x_all, requires_grad=True)
    out = plain(x)
    (out * ember.tensor(w_all)).sum().backward()
    x_mine = ember.tensor(x_all[rank * 3:(rank + 1) * 3], requires_grad=True)
    out_mine = synced(x_mine)
    assert type(out_mine.grad_fn.next_functions[0][0]).__name__ == "SyncBatchNormBackward"
    np.testing.assert_allclose(out_mine.detach().numpy(), out.detach().numpy()[rank * 3:(rank + 1) * 3], atol=1e-12)
    (out_mine * ember.tensor(w_all[rank * 3:(rank + 1) * 3])).sum().backward()
    np.testing.assert_allclose(x_mine.grad.numpy(), x.grad.numpy()[rank * 3:(rank + 1) * 3], atol=1e-11)
    for p, q in zip(synced.parameters(), plain.parameters()):  # local parts: their sum is the global gradient
        total = p.grad.clone()
        dist.all_reduce(total)
        np.testing.assert_allclose(total.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-11)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(synced[1], name).numpy(), getattr(plain[1], name).numpy(), rtol=1e-12)


if __name__ == "__main__":
    run_all()
