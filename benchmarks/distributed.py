"""``python -m benchmarks.distributed``: data-parallel training throughput of ember on 1 and 2 MPI ranks.

Each configuration runs seed 003's CIFAR-quick network (3x32x32 inputs, batch 64 per rank, SGD with momentum)
for ``--steps`` timed steps after a warm-up, started as ``mpiexec -n N python -m benchmarks.distributed --worker``:

* 1 rank with the default threads, 1 rank with one thread, and 2 ranks with one thread each;
* samples/s counts every rank's samples (N x 64 per step);
* overlap: the share of the gradient all-reduce time hidden behind backward. The all-reduce time is measured
  alone (every bucket all-reduced after backward, blocking); the exposed part is the time backward's end spends
  waiting for the buckets (DistributedDataParallel's end-of-backward callback), less the time spent waiting for
  a rank whose backward ended later (the ranks share the machine's clock). overlap = 1 - exposed / alone.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import ember
import ember.distributed as dist
from ember import nn
from ember.distributed.run import mpiexec_path

from .workloads import _inputs, _labels, seed_cifar_quick

BATCH = 64
# (name, ranks, OMP_NUM_THREADS, bucket_cap_mb): CIFAR-quick's 0.5 MB of gradients fit PyTorch's default first
# bucket (1 MiB), so the default overlaps nothing; 0.1 MB buckets show what overlap the engine allows
CONFIGS = [("1 rank, default threads", 1, None, 25), ("1 rank, 1 thread", 1, "1", 25),
           ("2 ranks, 1 thread each", 2, "1", 25), ("2 ranks, 0.1 MB buckets", 2, "1", 0.1)]


def _worker(steps: int, warmup: int, bucket_cap_mb: float) -> None:
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(0)
    model = seed_cifar_quick(ember)
    net = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb) if world > 1 else model
    opt = ember.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    x, y = _inputs(ember, BATCH, 3, 32, 32, seed=rank), _labels(ember, BATCH)
    finishes = []  # (wall-clock time backward reached its end, seconds spent there) per step
    early = [0]  # buckets whose all-reduce had completed when backward ended
    if world > 1:
        finish = net.reducer.finish

        def timed_finish() -> None:
            early[0] += sum(work.is_completed() for work in net.reducer.works)
            start = time.time()
            finish()
            finishes.append((start, time.time() - start))

        net.reducer.finish = timed_finish

    def step() -> None:
        opt.zero_grad()
        criterion(net(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    dist.barrier()
    finishes.clear()
    early[0] = 0
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    seconds = time.perf_counter() - start
    result = {"samples_per_s": world * BATCH * steps / seconds, "step_ms": 1000 * seconds / steps,
              "threads": ember.get_num_threads()}
    if world > 1:
        buffers = [ember.from_numpy(b.buffer) for b in net.reducer.buckets]
        dist.barrier()
        start = time.perf_counter()
        for _ in range(steps):
            for buffer in buffers:
                dist.all_reduce(buffer)
        alone = (time.perf_counter() - start) / steps
        everyone = [None] * world
        dist.all_gather_object(everyone, [at for at, _ in finishes])
        # the ranks share one clock: waiting for a rank still in backward is not communication
        skew = [max(ats) - mine for ats, mine in zip(zip(*everyone), everyone[rank])]
        exposed = sum(max(0.0, spent - late) for (_, spent), late in zip(finishes, skew)) / steps
        result.update(allreduce_ms=1000 * alone, exposed_ms=1000 * exposed, skew_ms=1000 * sum(skew) / steps,
                      overlap=max(0.0, 1 - exposed / alone), buckets=len(buffers),
                      early=early[0] / steps)
    if rank == 0:
        print(json.dumps(result), flush=True)
    dist.destroy_process_group()


def _run(ranks: int, threads: str | None, bucket_cap_mb: float, steps: int, warmup: int) -> dict:
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if threads is not None:
        env["OMP_NUM_THREADS"] = threads
    command = [mpiexec_path(), "-n", str(ranks), sys.executable, "-m", "benchmarks.distributed", "--worker",
               "--steps", str(steps), "--warmup", str(warmup), "--bucket-cap-mb", str(bucket_cap_mb)]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per configuration (default: 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default: 3)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bucket-cap-mb", type=float, default=25, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.steps, args.warmup, args.bucket_cap_mb)
        return
    print(f"CIFAR-quick training, batch {BATCH} per rank, {args.steps} steps; {os.cpu_count()} CPUs")
    base = None
    for name, ranks, threads, bucket_cap_mb in CONFIGS:
        r = _run(ranks, threads, bucket_cap_mb, args.steps, args.warmup)
        base = base or r["samples_per_s"]
        line = (f"{name:<26} {r['samples_per_s']:7.1f} samples/s  {r['step_ms']:6.1f} ms/step  "
                f"x{r['samples_per_s'] / base:.2f}")
        if "overlap" in r:
            line += (f"  all-reduce {r['allreduce_ms']:.1f} ms alone ({r['buckets']} buckets, {r['early']:.1f} done "
                     "before backward's end), "
                     f"{r['exposed_ms']:.1f} ms exposed: {100 * r['overlap']:.0f}% overlapped "
                     f"(and {r['skew_ms']:.1f} ms waiting for the other rank's backward)")
        print(line, flush=True)


if __name__ == "__main__":
    main()
