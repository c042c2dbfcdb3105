"""``ember.utils.tensorboard.SummaryWriter`` against ``torch.utils.tensorboard``'s: each kind of record is written by
both writers from the same data, read back with TensorBoard's own ``EventAccumulator``, and compared."""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    STORE_EVERYTHING_SIZE_GUIDANCE, EventAccumulator)
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData  # noqa: E402
from torch.utils import tensorboard as torch_tb  # noqa: E402

import ember  # noqa: E402
from ember import nn  # noqa: E402
from ember.utils.tensorboard import SummaryWriter  # noqa: E402


def _read(log_dir) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance=STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    return acc


def _both(tmp_path, write, **kwargs) -> tuple[EventAccumulator, EventAccumulator]:
    """``write(writer, lib)`` with ember's writer (lib=ember) and torch's (lib=torch); each log read back."""
    with SummaryWriter(tmp_path / "ember", **kwargs) as w:
        write(w, ember)
    with torch_tb.SummaryWriter(tmp_path / "torch", **kwargs) as w:
        write(w, torch)
    return _read(tmp_path / "ember"), _read(tmp_path / "torch")


def _pixels(image_event) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


# -- scalars ---------------------------------------------------------------------------------------------------------
def test_scalars_from_tensors_arrays_and_numbers(tmp_path):
    def write(w, lib):
        w.add_scalar("loss", lib.tensor(0.25), 0)
        w.add_scalar("loss", np.float32(0.5), 1)
        w.add_scalar("loss", 3, 2)
        w.add_scalar("loss", np.array([[1.75]]), 3)
        w.add_scalar("lr", 0.1, 7, walltime=1234.5)

    ours, theirs = _both(tmp_path, write)
    assert [(e.step, e.value) for e in ours.Scalars("loss")] == [(0, 0.25), (1, 0.5), (2, 3.0), (3, 1.75)]
    assert [(e.step, e.value) for e in ours.Scalars("loss")] == [(e.step, e.value) for e in theirs.Scalars("loss")]
    assert ours.Scalars("lr") == theirs.Scalars("lr")  # the given walltime too


@pytest.mark.parametrize("double_precision", [False, True])
def test_new_style_scalars_are_tensors_of_the_scalars_plugin(tmp_path, double_precision):
    def write(w, lib):
        w.add_scalar("x", 1 / 3, 5, new_style=True, double_precision=double_precision)

    ours, theirs = _both(tmp_path, write)
    assert ours.Tensors("x")[0].tensor_proto == theirs.Tensors("x")[0].tensor_proto
    assert ours.SummaryMetadata("x").plugin_data.plugin_name == "scalars"


def test_add_scalars_writes_one_run_per_curve(tmp_path):
    def write(w, lib):
        for step in range(3):
            w.add_scalars("run/loss", {"train": step * 0.5, "test": lib.tensor(step + 1.0)}, step)

    _both(tmp_path, write)
    for curve in ("train", "test"):
        ours, theirs = _read(tmp_path / "ember" / f"run_loss_{curve}"), _read(tmp_path / "torch" / f"run_loss_{curve}")
        assert [(e.step, e.value) for e in ours.Scalars("run/loss")] == \
               [(e.step, e.value) for e in theirs.Scalars("run/loss")]
    assert sorted(os.listdir(tmp_path / "ember"))[1:] == ["run_loss_test", "run_loss_train"]


def test_a_scalar_must_hold_one_value(tmp_path):
    with SummaryWriter(tmp_path) as w, pytest.raises(AssertionError, match="should contain one element"):
        w.add_scalar("x", np.ones(2))


def test_unsupported_values_are_refused(tmp_path):
    with SummaryWriter(tmp_path) as w, pytest.raises(NotImplementedError, match="numpy array or ember tensor"):
        w.add_histogram("x", [1.0, 2.0])


# -- histograms ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bins, max_bins", [("tensorflow", None), ("auto", None), (10, None), (50, 7),
                                            ("tensorflow", 30)])
def test_histograms_match_torch(tmp_path, bins, max_bins):
    values = _rng().normal(3, 2, size=1000).astype(np.float32)

    def write(w, lib):
        w.add_histogram("w", lib.tensor(values), 0, bins=bins, max_bins=max_bins)
        w.add_histogram("w", values * 2, 1, bins=bins, max_bins=max_bins)

    ours, theirs = _both(tmp_path, write)
    for mine, ref in zip(ours.Histograms("w"), theirs.Histograms("w"), strict=True):
        assert mine.step == ref.step
        np.testing.assert_allclose(mine.histogram_value.bucket_limit, ref.histogram_value.bucket_limit, rtol=1e-12)
        assert mine.histogram_value.bucket == ref.histogram_value.bucket
        for field in ("min", "max", "num", "sum", "sum_squares"):
            assert getattr(mine.histogram_value, field) == pytest.approx(getattr(ref.histogram_value, field))
    assert ours.Histograms("w")[0].histogram_value.num == 1000


def test_histogram_raw_and_an_empty_histogram(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_histogram_raw("raw", 0, 3, 6, 9, 19, [1, 2, 3], [1, 2, 3], global_step=2)
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("empty", np.array([]))
        with pytest.raises(ValueError, match=re.escape("len(bucket_limits) != len(bucket_counts)")):
            w.add_histogram_raw("raw", 0, 3, 6, 9, 19, [1, 2, 3], [1, 2])
    histogram = _read(tmp_path).Histograms("raw")[0].histogram_value
    assert (histogram.num, list(histogram.bucket_limit), list(histogram.bucket)) == (6, [1, 2, 3], [1, 2, 3])


# -- images ----------------------------------------------------------------------------------------------------------
IMAGES = [  # method, shape, dataformats, dtype
    ("add_image", (3, 5, 7), "CHW", np.float32),
    ("add_image", (1, 5, 7), "CHW", np.float64),
    ("add_image", (5, 7, 3), "HWC", np.uint8),
    ("add_image", (5, 7, 4), "HWC", np.uint8),
    ("add_image", (5, 7), "HW", np.float32),
    ("add_image", (7, 5), "WH", np.float32),
    ("add_images", (10, 3, 4, 6), "NCHW", np.float32),
    ("add_images", (3, 1, 4, 6), "NCHW", np.uint8),
    ("add_images", (9, 4, 6, 3), "NHWC", np.float32),
]


@pytest.mark.parametrize("method, shape, dataformats, dtype", IMAGES)
def test_images_decode_to_torchs_pixels(tmp_path, method, shape, dataformats, dtype):
    data = _rng().uniform(-0.1, 1.1, size=shape)
    data = (data * 255).clip(0, 255).astype(np.uint8) if dtype == np.uint8 else data.astype(dtype)

    def write(w, lib):
        getattr(w, method)("pic", lib.tensor(data), 3, dataformats=dataformats)

    ours, theirs = _both(tmp_path, write)
    mine, ref = ours.Images("pic")[0], theirs.Images("pic")[0]
    assert (mine.step, mine.width, mine.height) == (ref.step, ref.width, ref.height)
    np.testing.assert_array_equal(_pixels(mine), _pixels(ref))


def test_a_batch_is_tiled_eight_to_a_row(tmp_path):
    batch = np.zeros((10, 3, 2, 2), dtype=np.uint8)
    batch[:, 0] = np.arange(10, dtype=np.uint8)[:, None, None] * 20  # red channel = 20 * index
    with SummaryWriter(tmp_path) as w:
        w.add_images("grid", batch)
    pixels = _pixels(_read(tmp_path).Images("grid")[0])
    assert pixels.shape == (4, 16, 3)
    expected = np.zeros((2, 8), dtype=np.uint8)
    expected.flat[:10] = np.arange(10) * 20
    np.testing.assert_array_equal(pixels[::2, ::2, 0], expected)
    assert (pixels[:, :, 1:] == 0).all()


def test_image_layout_mistakes(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(AssertionError, match="size of input tensor and input format are different"):
            w.add_image("x", np.zeros((3, 4, 4)), dataformats="HW")
        with pytest.raises(AssertionError, match="same dimension shorthand twice"):
            w.add_image("x", np.zeros((3, 4, 4)), dataformats="HHW")


def test_figures_render_like_torchs(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")

    def figure():
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        fig.gca().plot([0, 1, 2], [2, 0, 1])
        return fig

    def write(w, lib):
        w.add_figure("one", figure(), 0)
        w.add_figure("two", [figure(), figure()], 1)

    ours, theirs = _both(tmp_path, write)
    for tag in ("one", "two"):
        np.testing.assert_array_equal(_pixels(ours.Images(tag)[0]), _pixels(theirs.Images(tag)[0]))
    assert _pixels(ours.Images("one")[0]).shape == (75, 100, 3)
    assert plt.get_fignums() == []


# -- text, PR curves, hyperparameters --------------------------------------------------------------------------------
def test_text(tmp_path):
    def write(w, lib):
        w.add_text("notes", "**bold** — ünïcode", 4)

    ours, theirs = _both(tmp_path, write)
    event = ours.Tensors("notes/text_summary")[0]
    assert (event.step, event.tensor_proto.string_val) == (4, ["**bold** — ünïcode".encode()])
    assert event.tensor_proto == theirs.Tensors("notes/text_summary")[0].tensor_proto
    assert ours.PluginTagToContent("text") == theirs.PluginTagToContent("text")


@pytest.mark.parametrize("num_thresholds, weighted", [(127, False), (10, True), (500, False)])
def test_pr_curves_match_torch(tmp_path, num_thresholds, weighted):
    rng = _rng()
    labels = rng.integers(0, 2, size=200)
    predictions = rng.uniform(size=200).astype(np.float32)
    weights = rng.uniform(size=200) if weighted else None

    def write(w, lib):
        w.add_pr_curve("pr", lib.tensor(labels), lib.tensor(predictions), 1, num_thresholds=num_thresholds,
                       weights=weights)

    ours, theirs = _both(tmp_path, write)
    mine, ref = ours.Tensors("pr")[0].tensor_proto, theirs.Tensors("pr")[0].tensor_proto
    assert mine.tensor_shape == ref.tensor_shape
    assert [d.size for d in mine.tensor_shape.dim] == [6, min(num_thresholds, 127)]
    np.testing.assert_allclose(mine.float_val, ref.float_val, rtol=1e-6)
    assert ours.PluginTagToContent("pr_curves") == theirs.PluginTagToContent("pr_curves")


def test_pr_curve_raw(tmp_path):
    counts = [np.array([3.0, 2, 0])] * 4 + [np.array([0.5, 1, 0]), np.array([1.0, 0.5, 0])]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve_raw("raw", *counts, num_thresholds=3)
    proto = _read(tmp_path).Tensors("raw")[0].tensor_proto
    np.testing.assert_array_equal(np.array(proto.float_val).reshape(6, 3), np.stack(counts))


def test_hparams_session_and_metrics(tmp_path):
    hparams = {"lr": 0.1, "batch": 32, "optimizer": "sgd", "nesterov": True, "decay": ember.tensor(0.5),
               "unused": None}

    def write(w, lib):
        hp = dict(hparams, decay=lib.tensor([0.5]))  # torch's writer takes a tensor's first element
        w.add_hparams(hp, {"hparam/accuracy": 0.9, "hparam/loss": lib.tensor(0.3)},
                      hparam_domain_discrete={"optimizer": ["sgd", "adam"], "batch": [32, 64]}, run_name="trial")

    _both(tmp_path, write)
    ours, theirs = _read(tmp_path / "ember" / "trial"), _read(tmp_path / "torch" / "trial")
    mine, ref = ours.PluginTagToContent("hparams"), theirs.PluginTagToContent("hparams")
    assert mine.keys() == ref.keys() == {"_hparams_/experiment", "_hparams_/session_start_info",
                                         "_hparams_/session_end_info"}
    for tag in mine:
        assert HParamsPluginData.FromString(mine[tag]) == HParamsPluginData.FromString(ref[tag])
    start = HParamsPluginData.FromString(mine["_hparams_/session_start_info"]).session_start_info
    assert (start.hparams["optimizer"].string_value, start.hparams["lr"].number_value) == ("sgd", 0.1)
    assert [e.value for e in ours.Scalars("hparam/loss")] == pytest.approx([0.3])


def test_hparams_refuse_what_they_cannot_log(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(TypeError, match="hparam_dict and metric_dict should be dictionary"):
            w.add_hparams([("lr", 0.1)], {})
        with pytest.raises(ValueError, match="value should be one of int, float, str, bool"):
            w.add_hparams({"layers": [1, 2]}, {})
        with pytest.raises(TypeError, match=re.escape("hparam_domain_discrete[lr] should be a list")):
            w.add_hparams({"lr": 0.1}, {}, hparam_domain_discrete={"lr": ["a"]})


# -- embeddings ------------------------------------------------------------------------------------------------------
def test_embedding_files_match_torchs(tmp_path):
    rng = _rng()
    mat = rng.normal(size=(5, 3)).astype(np.float32)
    thumbnails = rng.uniform(size=(5, 3, 4, 6)).astype(np.float32)

    def write(w, lib):
        w.add_embedding(lib.tensor(mat), metadata=list("abcde"), label_img=lib.tensor(thumbnails), global_step=3)
        w.add_embedding(mat, metadata=[[i, i % 2] for i in range(5)], metadata_header=["index", "parity"],
                        tag="a/b")

    _both(tmp_path, write)
    files = ["projector_config.pbtxt", "00003/default/tensors.tsv", "00003/default/metadata.tsv",
             "00003/default/sprite.png", "00000/a%2fb/tensors.tsv", "00000/a%2fb/metadata.tsv"]
    for name in files:
        assert (tmp_path / "ember" / name).read_bytes() == (tmp_path / "torch" / name).read_bytes(), name
    config = (tmp_path / "ember" / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "default:00003"' in config and "single_image_dim: 6" in config
    rows = (tmp_path / "ember" / "00003/default/tensors.tsv").read_text().splitlines()
    np.testing.assert_array_equal(np.array([r.split("\t") for r in rows], dtype=np.float32), mat)


def test_embedding_mistakes(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(AssertionError, match="#labels should equal with #data points"):
            w.add_embedding(np.zeros((3, 2)), metadata=["a"], global_step=1)
        with pytest.raises(AssertionError, match="#images should equal with #data points"):
            w.add_embedding(np.zeros((3, 2)), label_img=np.zeros((2, 3, 4, 4)), global_step=2)
        with pytest.raises(AssertionError, match="mat should be 2D"):
            w.add_embedding(np.zeros(3), global_step=3)
        (tmp_path / "00004").mkdir()
        (tmp_path / "00004" / "default").write_text("")
        with pytest.raises(NotADirectoryError, match="exists, but is a file"):
            w.add_embedding(np.zeros((3, 2)), global_step=4)


# -- the graph -------------------------------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Linear(18, 4), nn.ReLU())

    def forward(self, x):
        return self.head(self.bn(self.conv1(x)).flatten(1))


def _torch_net() -> torch.nn.Module:
    class Net(torch.nn.Module):  # the class name is the graph's root scope
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 2, 3)
            self.bn = torch.nn.BatchNorm2d(2)
            self.head = torch.nn.Sequential(torch.nn.Linear(18, 4), torch.nn.ReLU())

        def forward(self, x):
            return self.head(self.bn(self.conv1(x)).flatten(1))

    return Net()


def test_graph_is_scoped_by_module_like_torchs(tmp_path):
    model = Net()
    model.train()
    with SummaryWriter(tmp_path / "ember") as w:
        w.add_graph(model, ember.randn(2, 1, 5, 5))
    with torch_tb.SummaryWriter(tmp_path / "torch") as w:
        w.add_graph(_torch_net(), torch.randn(2, 1, 5, 5))
    ours, theirs = _read(tmp_path / "ember").Graph(), _read(tmp_path / "torch").Graph()

    def scopes(graph, prefix):
        return {n.name.rsplit("/", 1)[0] for n in graph.node if n.op.startswith(prefix)}

    assert scopes(ours, "ember::") == scopes(theirs, "aten::") == {
        "Net/Conv2d[conv1]", "Net/BatchNorm2d[bn]", "Net", "Net/Sequential[head]/Linear[0]",
        "Net/Sequential[head]/ReLU[1]"}
    io_nodes = {n.name: [d.size for d in n.attr["_output_shapes"].list.shape[0].dim]
                for n in ours.node if n.op == "IO Node"}
    assert io_nodes == {"input/x": [2, 1, 5, 5], "output/output.1": [2, 4]}
    assert io_nodes == {n.name: [d.size for d in n.attr["_output_shapes"].list.shape[0].dim]
                        for n in theirs.node if n.op == "IO Node"}
    by_name = {n.name: n for n in ours.node}
    conv = next(n for n in ours.node if n.op == "ember::convolution")
    assert list(conv.input) == ["input/x", "Net/Conv2d[conv1]/weight", "Net/Conv2d[conv1]/bias"]
    assert by_name["Net/Conv2d[conv1]/weight"].op == "prim::GetAttr"
    assert [d.size for d in by_name["Net/Conv2d[conv1]/weight"].attr["_output_shapes"].list.shape[0].dim] == \
           [2, 1, 3, 3]
    assert "Net/BatchNorm2d[bn]/running_mean" in by_name
    # every edge points at a node of the graph
    assert {i.split(":")[0] for n in ours.node for i in n.input} <= set(by_name)
    # traced in eval mode, as torch does, and left in the mode it was in
    assert model.training and model.bn.num_batches_tracked.item() == 0


def test_graph_of_a_plain_function_with_two_outputs(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_graph(lambda a, b: (a * b, (a + 1.5).relu()), [ember.ones(3), ember.ones(3)])
    graph = _read(tmp_path).Graph()
    names = {n.name for n in graph.node}
    assert {"input/a", "input/b", "output/output.1", "output/output.2"} <= names
    assert {n.op for n in graph.node} >= {"ember::mul", "ember::relu"}


# -- the writer itself -----------------------------------------------------------------------------------------------
def test_default_log_dir_is_runs_date_host_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as w:
        log_dir = w.get_logdir()
    assert re.fullmatch(rf"runs/[A-Z][a-z]{{2}}\d\d_\d\d-\d\d-\d\d_{re.escape(socket.gethostname())}_lr0\.1", log_dir)
    assert os.listdir(log_dir)[0].startswith("events.out.tfevents.")


def test_filename_suffix_flush_close_and_reopen(tmp_path):
    w = SummaryWriter(tmp_path, filename_suffix=".ember", flush_secs=3600)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert [e.value for e in _read(tmp_path).Scalars("x")] == [1.0]
    w.close()
    w.close()
    w.add_scalar("x", 2.0, 1)  # a closed writer opens a new file
    w.close()
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and all(f.endswith(".ember") for f in files)
    assert [e.value for e in _read(tmp_path).Scalars("x")] == [1.0, 2.0]


def test_purge_step_hides_the_steps_a_crashed_run_logged_after_it(tmp_path):
    for root, writer in (("ember", SummaryWriter), ("torch", torch_tb.SummaryWriter)):
        with writer(tmp_path / root) as w:
            for step in range(10):
                w.add_scalar("loss", step, step)
        with writer(tmp_path / root, purge_step=6) as w:
            for step in range(6, 8):
                w.add_scalar("loss", 100 + step, step)
    ours, theirs = _read(tmp_path / "ember"), _read(tmp_path / "torch")
    assert [(e.step, e.value) for e in ours.Scalars("loss")] == [(s, s) for s in range(6)] + [(6, 106), (7, 107)]
    assert [(e.step, e.value) for e in ours.Scalars("loss")] == [(e.step, e.value) for e in theirs.Scalars("loss")]


def test_import_ember_leaves_tensorboard_for_first_use():
    code = ("import sys, ember; print('tensorboard' in sys.modules); "
            "ember.utils.tensorboard.SummaryWriter; print('tensorboard' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_missing_tensorboard_package_says_how_to_install_it():
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "try:\n    import ember.utils.tensorboard\nexcept ModuleNotFoundError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("ember.utils.tensorboard needs the tensorboard package: pip install "
                                  "'ember[tensorboard]' (or pip install tensorboard)")
