"""``ember train --nproc N``: the same training loop on N data-parallel ranks started with ``mpiexec``.

The command re-starts itself as N ranks (``python -m ember.cli._rank OPTIONS_JSON``) with one compute thread
each (``OMP_NUM_THREADS=1``, so N ranks share the cores instead of fighting over them). Every rank builds the same
model, wraps it in DistributedDataParallel and trains on its share of each epoch's permutation, so one step
consumes N batches; rank 0 alone prints and writes the checkpoints, history and curves. A Ctrl-C reaches every
rank through mpiexec; the ranks agree on it at each step, so they all stop after the same one.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from datetime import timedelta

import numpy as np

from .. import distributed as dist
from .._tensor import wrap
from ..distributed.run import mpiexec_path
from ..nn.parallel import DistributedDataParallel
from .errors import CommandError

_RANKS_ENV = "EMBER_TRAIN_NPROC"
# a collective that waits longer than this means a rank is gone: the job ends instead of hanging
TIMEOUT = timedelta(minutes=2)


def inside() -> bool:
    """Whether this process is one of the ranks (not the command that starts them)."""
    return _RANKS_ENV in os.environ


def launch(args: argparse.Namespace) -> int:
    """Start ``args.nproc`` ranks running ``args`` and wait for them; returns mpiexec's exit status.

    mpiexec runs in its own session, so a Ctrl-C reaches the ranks once, through it (a second one makes it end
    them at once).
    """
    with tempfile.TemporaryDirectory(prefix="ember-train-") as folder:
        options = os.path.join(folder, "options.json")
        with open(options, "w") as f:
            json.dump(vars(args), f)
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), **{_RANKS_ENV: str(args.nproc)})
        command = [mpiexec_path(), "-n", str(args.nproc), sys.executable, "-u", "-m", "ember.cli._rank", options]
        process = subprocess.Popen(command, env=env, start_new_session=True)
        previous = signal.signal(signal.SIGINT, lambda signum, frame: process.send_signal(signal.SIGINT))
        try:
            return process.wait()
        finally:
            signal.signal(signal.SIGINT, previous)


def start() -> tuple[int, int]:
    """Join the ranks' process group; returns (rank, world size)."""
    dist.init_process_group(timeout=TIMEOUT)
    return dist.get_rank(), dist.get_world_size()


def data_parallel(model):
    return DistributedDataParallel(model)


def share(order: list[int], rank: int, world: int) -> list[int]:
    """Rank ``rank``'s part of an epoch's order: every ``world``-th index, the order first padded by repeating its
    start so that every rank has as many batches (DistributedSampler's rule)."""
    padded = order + order[:(-len(order)) % world]
    return padded[rank::world]


def agreed(flag: bool) -> bool:
    """True on every rank when it is true on any (a Ctrl-C seen by one rank stops them all after the same step)."""
    value = wrap(np.array([int(flag)], np.int64))
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value._data[0])


def check_resume(args: argparse.Namespace, state: dict) -> None:
    """A run stopped inside an epoch continues on as many ranks as it started with: each rank's place in the
    epoch depends on how many there are."""
    saved = state["args"].get("nproc", 1)
    if state["batch"] and saved != args.nproc:
        raise CommandError(f"--resume {args.resume} stopped inside an epoch of a run with --nproc {saved}; continue "
                           f"it with --nproc {saved} (any --nproc works from a checkpoint written at an epoch's end)",
                           status=2)
