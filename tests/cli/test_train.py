"""``ember train`` on a subset of the embedded MNIST: the closing line, the checkpoint, Ctrl-C and exact resume."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import ember
from ember.cli import main, train

SMALL = ["--limit-train", "1280", "--limit-test", "200", "--batch-size", "32", "--no-progress"]


def _run(tmp_path, *extra) -> int:
    return main(["train", *SMALL, "--out", str(tmp_path), *extra])


def _weights(path) -> dict:
    return {k: v.numpy() for k, v in ember.load(path)["model"].items()}


def test_short_run_ends_with_the_accuracy_line_and_a_checkpoint_torch_can_load(tmp_path, capsys):
    assert _run(tmp_path, "--epochs", "1") == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(r"Test accuracy: (\d+\.\d\d)% \((\d+)/200\)", last)
    assert match, last
    assert float(match[1]) > 40  # 40 steps lift it far above chance (10 %)
    state = torch.load(tmp_path / "checkpoint.pth", weights_only=True)
    assert list(state["model"]) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                    "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    assert state["epoch"] == 1 and state["batch"] == 0
    assert (tmp_path / "history.json").exists()


class _InterruptAfter(train._StopFlag):
    """Acts as if Ctrl-C were pressed once ``steps`` training steps have run."""

    steps = 4

    def __init__(self) -> None:
        self.checks = 0

    @property
    def requested(self) -> bool:
        self.checks += 1
        return self.checks >= self.steps

    @requested.setter
    def requested(self, value: bool) -> None:
        pass


def test_interrupted_run_resumes_bit_for_bit(tmp_path, monkeypatch, capsys):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert _run(whole, "--model", "mlp", "--epochs", "2") == 0
    monkeypatch.setattr(train, "_StopFlag", _InterruptAfter)
    assert _run(parts, "--model", "mlp", "--epochs", "2") == 130
    assert "--resume" in capsys.readouterr().out
    assert ember.load(parts / "checkpoint.pth")["batch"] == 4
    monkeypatch.undo()
    assert _run(parts, "--model", "mlp", "--epochs", "2", "--resume", str(parts / "checkpoint.pth")) == 0
    expected, got = _weights(whole / "checkpoint.pth"), _weights(parts / "checkpoint.pth")
    assert expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def test_fashion_mnist_without_a_root_says_what_is_needed(tmp_path):
    with pytest.raises(SystemExit, match="fashion-mnist needs --data-root"):
        _run(tmp_path, "--dataset", "fashion-mnist")
