"""Starting ranks: ``python -m ember.distributed.run`` (torchrun's flags) and ``ember.multiprocessing.spawn``."""
import subprocess
import sys

from .launch import ROOT, WORKERS


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_run_starts_ranks_with_torchruns_variables():
    out = run("-m", "ember.distributed.run", "--nproc_per_node", "2", "--standalone", "--master-port", "1234",
              str(WORKERS / "env.py"), "--gloo", "x")
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.splitlines()) == [f"{r} 2 {r} {r} 2 2 127.0.0.1 1234 1 --gloo x" for r in range(2)]
    assert "runs every backend on MPI" in out.stderr


def test_run_refuses_several_nodes():
    out = run("-m", "ember.distributed.run", "--nnodes", "2", str(WORKERS / "env.py"))
    assert out.returncode == 2
    assert "mpiexec -f HOSTFILE" in out.stderr


def test_spawn_runs_a_main_script_function_on_each_rank():
    out = run(str(WORKERS / "spawned.py"), "ok")
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.splitlines()) == ["rank 0 sum 30.0", "rank 1 sum 30.0"]


def test_spawn_raises_the_failing_ranks_error():
    out = run(str(WORKERS / "spawned.py"), "raise")
    assert out.returncode == 0, out.stderr
    assert "raised by 1 ValueError: rank 1 gives up" in out.stdout
