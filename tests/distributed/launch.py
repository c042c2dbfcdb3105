"""Start worker scripts as real MPI ranks (``mpiexec -n N``) and collect what rank 0 reports."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mpi4py")

from ember.distributed.run import mpiexec_path  # noqa: E402

WORKERS = Path(__file__).parent / "workers"
ROOT = Path(__file__).resolve().parents[2]


def run_ranks(script: str, *args: str, n: int = 2, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``workers/<script>`` on ``n`` ranks; the worker prints ``ok NAME`` for each check that passed."""
    command = [mpiexec_path(), "-n", str(n), sys.executable, str(WORKERS / script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def passed(result: subprocess.CompletedProcess) -> set[str]:
    return {line.split()[1] for line in result.stdout.splitlines() if line.startswith("ok ")}


def check_names(script: str) -> list[str]:
    """The checks ``workers/<script>`` registers (its functions decorated with ``@check``), in order."""
    tree = ast.parse((WORKERS / script).read_text())
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
            and any(isinstance(d, ast.Name) and d.id == "check" for d in node.decorator_list)]


def checks_of(script: str):
    """A pytest fixture (module scope) running ``script`` once on two ranks, and the parametrized test of every
    check it holds."""

    @pytest.fixture(scope="module")
    def launched():
        return run_ranks(script)

    @pytest.mark.parametrize("name", check_names(script))
    def test_check_passes_on_two_ranks(launched, name):
        assert name in passed(launched), f"exit status {launched.returncode}\n{launched.stdout}\n{launched.stderr}"

    return launched, test_check_passes_on_two_ranks
