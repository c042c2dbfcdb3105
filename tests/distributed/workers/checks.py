"""The check registry the worker scripts share: each check runs on every rank, rank 0 reports it."""
from __future__ import annotations

import ember.distributed as dist

CHECKS: dict = {}


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


def run_all() -> None:
    """Run every registered check in order on every rank; rank 0 prints ``ok NAME`` after each one passed on all."""
    dist.init_process_group()
    for name, fn in CHECKS.items():
        fn(dist.get_rank(), dist.get_world_size())
        dist.barrier()
        if dist.get_rank() == 0:
            print("ok", name, flush=True)
    dist.destroy_process_group()
