"""``ember train --nproc 2``: two ranks with batch B train the model one process trains with batch 2B."""
import subprocess
import sys

import numpy as np

import ember
from ember.cli import main

from .launch import ROOT

TINY = ["--model", "mlp", "--limit-train", "256", "--limit-test", "50", "--epochs", "1", "--no-progress"]


def train(out, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ember", "train", *TINY, "--out", str(out), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_two_ranks_train_as_one_process_on_the_global_batch(tmp_path, capsys):
    ranks = train(tmp_path / "ranks", "--nproc", "2", "--batch-size", "32")
    assert ranks.returncode == 0, ranks.stderr
    lines = ranks.stdout.splitlines()
    assert sum(line.startswith("Training mlp") for line in lines) == 1  # rank 0 alone prints
    assert sum(line.startswith("Test accuracy: ") for line in lines) == 1
    assert "1 threads" in lines[0]
    assert main(["train", *TINY, "--out", str(tmp_path / "single"), "--batch-size", "64"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == lines[-1]
    got = ember.load(tmp_path / "ranks" / "checkpoint.pth")
    want = ember.load(tmp_path / "single" / "checkpoint.pth")
    assert got["args"]["nproc"] == 2 and got["epoch"] == 1
    for key, value in want["model"].items():
        np.testing.assert_allclose(got["model"][key].numpy(), value.numpy(), rtol=1e-4, atol=1e-6, err_msg=key)
