"""ember.distributed without ranks: what it answers before a process group exists, and a world of one."""
import subprocess
import sys

import pytest
import torch.distributed

import ember.distributed as dist

from .launch import ROOT


def test_is_available_answers_whether_mpi4py_is_installed():
    assert dist.is_available() is True
    assert dist.is_initialized() is torch.distributed.is_initialized() is False


def test_importing_ember_does_not_start_mpi():
    code = "import sys, ember, ember.distributed, ember.nn; print('mpi4py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


@pytest.mark.parametrize("query", ["get_rank", "get_world_size", "get_backend", "barrier"])
def test_queries_without_a_process_group_fail_as_in_torch(query):
    with pytest.raises(ValueError) as expected:
        getattr(torch.distributed, query)()
    with pytest.raises(ValueError) as got:
        getattr(dist, query)()
    assert str(got.value) == str(expected.value)


def test_reduce_ops_have_torchs_names():
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert getattr(dist.ReduceOp, name).name == getattr(torch.distributed.ReduceOp, name).name


WORLD_OF_ONE = """
import warnings
import ember, ember.distributed as dist
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    dist.init_process_group("nccl")
print(len(caught), str(caught[0].message))
print(dist.get_rank(), dist.get_world_size(), dist.get_backend())
t = ember.ones(3)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
print(t.tolist())
try:
    dist.init_process_group()
except ValueError as e:
    print(e)
dist.destroy_process_group()
print(dist.is_initialized())
try:
    dist.init_process_group("smoke-signals")
except ValueError as e:
    print(e)
"""


def test_a_script_started_alone_is_a_world_of_one():
    out = subprocess.run([sys.executable, "-c", WORLD_OF_ONE], capture_output=True, text=True, timeout=30,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "1 ember.distributed runs every backend on MPI: backend 'nccl' uses MPI",
        "0 1 mpi",
        "[1.0, 1.0, 1.0]",
        "trying to initialize the default process group twice!",
        "False",
        "Invalid backend: 'smoke-signals'",
    ]


def test_a_world_size_mpi_did_not_start_is_refused():
    code = "import ember.distributed as dist; dist.init_process_group(world_size=2, rank=0)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert out.returncode != 0
    assert "started as rank 0 of an MPI world of 1, but world_size 2 and rank 0 were asked for" in out.stderr
