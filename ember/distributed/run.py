"""``python -m ember.distributed.run``: torchrun's command line, starting the ranks with MPI's ``mpiexec``.

    python -m ember.distributed.run --nproc-per-node 2 train.py --epochs 3

runs ``train.py`` as ranks 0 and 1 of one MPI world on this machine, each with the variables torchrun sets
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``), and ``OMP_NUM_THREADS=1`` unless set, as torchrun does, so the ranks do not fight over the cores.
The launcher becomes ``mpiexec`` (exec), so its exit status and Ctrl-C are mpiexec's. Several machines: call
``mpiexec -f hostfile -n N python train.py`` directly (the README says more).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

__all__ = ["build_command", "get_args_parser", "main", "mpiexec_path"]


def mpiexec_path() -> str:
    """The ``mpiexec`` next to this Python (the mpich wheel installs it there), else the first on ``PATH``."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.is_file():
        return str(here)
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError("mpiexec not found: install an MPI library (pip install mpich) or put mpiexec on PATH")
    return found


def _flag(parser: argparse.ArgumentParser, name: str, **kwargs) -> None:
    """An option under torchrun's two spellings (``--nproc-per-node`` and ``--nproc_per_node``)."""
    parser.add_argument(f"--{name}", f"--{name.replace('-', '_')}", **kwargs)


def get_args_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                     description="Start N ranks of a training script with mpiexec (torchrun's flags).")
    _flag(parser, "nproc-per-node", type=int, default=1, help="ranks to start on this machine (default: 1)")
    parser.add_argument("--nnodes", default="1", help="machines: only 1 (several machines: mpiexec with a hostfile)")
    _flag(parser, "node-rank", type=int, default=0, help="accepted for torchrun compatibility; must be 0")
    _flag(parser, "master-addr", default="127.0.0.1", help="exported as MASTER_ADDR (MPI itself does not need it)")
    _flag(parser, "master-port", type=int, default=29500, help="exported as MASTER_PORT")
    parser.add_argument("--standalone", action="store_true", help="one machine (the only mode; accepted)")
    parser.add_argument("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    _flag(parser, "no-python", action="store_true", help="run the script directly, not with this Python")
    parser.add_argument("training_script", help="the script (or module, with -m) each rank runs")
    parser.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return parser


def build_command(args: argparse.Namespace) -> list[str]:
    """The ``mpiexec`` command line: one segment per rank, each with its own ``RANK`` and ``LOCAL_RANK``."""
    if args.nproc_per_node < 1:
        raise ValueError(f"--nproc-per-node must be at least 1, got {args.nproc_per_node}")
    if args.nnodes not in ("1", "1:1") or args.node_rank != 0:
        raise ValueError("ember.distributed.run starts ranks on this machine only (--nnodes 1); for several "
                         "machines run mpiexec -f HOSTFILE -n N python script.py")
    program = [] if args.no_python else [sys.executable, "-u"] + (["-m"] if args.module else [])
    program += [args.training_script] + args.training_script_args
    command = [mpiexec_path()]
    for rank in range(args.nproc_per_node):
        if rank:
            command.append(":")
        command += ["-n", "1", "-env", "RANK", str(rank), "-env", "LOCAL_RANK", str(rank)] + program
    return command


def _environment(args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    n = str(args.nproc_per_node)
    env.update(WORLD_SIZE=n, LOCAL_WORLD_SIZE=n, GROUP_RANK="0", ROLE_RANK="0", MASTER_ADDR=args.master_addr,
               MASTER_PORT=str(args.master_port))
    if args.nproc_per_node > 1:
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


def main(argv: list[str] | None = None) -> None:
    """Parse torchrun's options and replace this process with ``mpiexec`` running the ranks."""
    parser = get_args_parser()
    args = parser.parse_args(argv)
    try:
        command = build_command(args)
    except (ValueError, RuntimeError) as e:
        parser.error(str(e))
    os.execve(command[0], command, _environment(args))


if __name__ == "__main__":
    main()
