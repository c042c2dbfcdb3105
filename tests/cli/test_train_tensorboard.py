"""``ember train --tensorboard DIR``: what the run logs (read back with TensorBoard's ``EventAccumulator``), a resumed
run's log continuing without the steps the stopped run logged past its checkpoint, and the one-line errors."""
from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    STORE_EVERYTHING_SIZE_GUIDANCE, EventAccumulator)

import ember  # noqa: E402
from ember.cli import data, main, models, train  # noqa: E402
from ember.utils.tensorboard import SummaryWriter  # noqa: E402

# 4 steps an epoch
TINY = ["--model", "mlp", "--limit-train", "128", "--limit-test", "50", "--batch-size", "32", "--no-progress"]


def _read(log_dir) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance=STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    return acc


def _curve(acc: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_a_run_logs_its_curves_inputs_and_graph(tmp_path):
    assert main(["train", *TINY, "--model", "lenet", "--epochs", "2", "--out", str(tmp_path / "out"),
                 "--tensorboard", str(tmp_path / "tb")]) == 0
    acc = _read(tmp_path / "tb")
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [s for s, _ in _curve(acc, "loss/train")] == list(range(1, 9))
    assert _curve(acc, "learning_rate") == [(s, pytest.approx(0.01)) for s in range(1, 9)]
    assert _curve(acc, "accuracy/test") == [(4 * h["epoch"], pytest.approx(h["test_accuracy"])) for h in history]
    assert _curve(acc, "loss/test") == [(4 * h["epoch"], pytest.approx(h["test_loss"])) for h in history]
    assert _curve(acc, "loss/train_epoch") == [(4 * h["epoch"], pytest.approx(h["train_loss"])) for h in history]
    # the first batch's own pixels, 8 to a row
    first = train._epoch_order(0, 0, 128)[:32]
    images, _ = data._read("mnist", None, True)
    grid = np.asarray(Image.open(io.BytesIO(acc.Images("inputs")[0].encoded_image_string)))
    assert grid.shape == (4 * 28, 8 * 28, 3)
    expected = images[first, 0].reshape(4, 8, 28, 28).transpose(0, 2, 1, 3).reshape(4 * 28, 8 * 28)
    np.testing.assert_array_equal(grid[:, :, 0], expected)
    ops = {n.name.rsplit("/", 1)[0] for n in acc.Graph().node if n.op.startswith("ember::")}
    assert {"LeNet/Conv2d[conv1]", "LeNet/Conv2d[conv2]", "LeNet/Linear[fc3]", "LeNet/MaxPool2d[pool]"} <= ops
    assert '"model": "lenet"' in acc.Tensors("options/text_summary")[0].tensor_proto.string_val[0].decode()


@pytest.mark.parametrize("name", list(models.MODELS))
def test_every_model_has_a_graph_of_its_modules(tmp_path, name):
    channels, side = (3, 32) if name == "cifar-quick" else (1, 28)
    model = models.MODELS[name](in_channels=channels, num_classes=10, image_size=side)
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, ember.randn(2, channels, side, side))
    nodes = _read(tmp_path).Graph().node
    names = {n.name for n in nodes}
    assert {i.split(":")[0] for n in nodes for i in n.input} <= names  # an edge ":k" reads output k of a node
    root = type(model).__name__
    owners = {path for path, module in model.named_modules() if path and not list(module.children())}
    scopes = {n.name.rsplit("/", 1)[0] for n in nodes if n.op.startswith("ember::")}
    # each leaf module shows up as its own box
    assert {f"{root}/{type(model.get_submodule(p)).__name__}[{p}]" for p in owners} <= scopes


def test_a_resumed_run_replaces_what_the_stopped_one_logged_past_its_checkpoint(tmp_path):
    out, tb = str(tmp_path / "out"), str(tmp_path / "tb")
    assert main(["train", *TINY, "--epochs", "1", "--out", out, "--tensorboard", tb]) == 0
    with SummaryWriter(tb) as w:  # what a run killed after its checkpoint had logged
        for step in (5, 6):
            w.add_scalar("loss/train", 99.0, step)
    assert main(["train", "--resume", f"{out}/checkpoint.pth", "--epochs", "2", "--no-progress",
                 "--tensorboard", tb]) == 0
    curve = _curve(_read(tb), "loss/train")
    assert [s for s, _ in curve] == list(range(1, 9))
    assert 99.0 not in [v for _, v in curve]
    assert [s for s, _ in _curve(_read(tb), "accuracy/test")] == [4, 8]


def test_missing_tensorboard_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ember.utils.tensorboard", None)
    assert main(["train", *TINY, "--out", str(tmp_path), "--tensorboard", str(tmp_path / "tb")]) == 1
    err = capsys.readouterr().err
    assert err == ("ember train: error: --tensorboard needs the tensorboard package: pip install "
                   "'ember[tensorboard]' (or pip install tensorboard)\n")
    assert not (tmp_path / "checkpoint.pth").exists()


def test_unwritable_tensorboard_dir_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["train", *TINY, "--out", str(tmp_path), "--tensorboard", str(tmp_path / "file")]) == 1
    assert capsys.readouterr().err.startswith(f"ember train: error: cannot write to --tensorboard {tmp_path / 'file'}:")
