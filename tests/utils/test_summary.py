"""ember.utils.summary: torchinfo's table from the capture, and the search for valid input sizes."""
import sys
from pathlib import Path

import pytest

import ember
from ember import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import workloads  # noqa: E402

LENET_ROWS = """\
Net                                     [1, 10]                  --                       --                       --
├─Conv2d: 1-1                           [1, 6, 28, 28]           456                      352,800                  True
├─Conv2d: 1-2                           [1, 16, 10, 10]          2,416                    240,000                  True
├─Linear: 1-3                           [1, 120]                 48,120                   48,000                   True
├─Linear: 1-4                           [1, 84]                  10,164                   10,080                   True
└─Linear: 1-5                           [1, 10]                  850                      840                      True"""


def test_lenet_table():
    stats = ember.utils.summary(workloads.seed_lenet(ember), input_size=(1, 3, 32, 32), verbose=0)
    text = str(stats)
    assert LENET_ROWS in text
    assert "Layer (type:depth-idx)                  Output Shape             Param #                  Mult-Adds" in text
    for line in ("Total params: 62,006", "Trainable params: 62,006", "Non-trainable params: 0",
                 "Total mult-adds (M): 0.65", "Input size (MB): 0.01", "Params size (MB): 0.25"):
        assert line in text
    assert stats.total_params == 62006 and stats.total_mult_adds == 651720


def test_nested_tree_depth_frozen_params_and_columns():
    model = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)), nn.Flatten(), nn.Linear(8, 3))
    model[0][0].weight.requires_grad_(False)
    text = str(ember.utils.summary(model, input_size=(2, 1, 4, 4), verbose=0,
                                   col_names=("input_size", "output_size", "num_params", "kernel_size",
                                              "trainable")))
    assert "├─Sequential: 1-1" in text
    assert "│    └─Conv2d: 2-1" not in text and "│    ├─Conv2d: 2-1" in text and "│    └─BatchNorm2d: 2-2" in text
    assert "[2, 1, 4, 4]" in text and "[3, 3]" in text and "Partial" in text
    assert "Non-trainable params: 18" in text  # the conv weight: 2 * 1 * 3 * 3
    shallow = str(ember.utils.summary(model, input_size=(2, 1, 4, 4), depth=1, verbose=0))
    assert "Conv2d" not in shallow and "├─Sequential: 1-1" in shallow and "24 " in shallow  # 20 + 4 params, rolled up


def test_prints_by_default(capsys):
    ember.utils.summary(nn.Linear(3, 2), input_data=ember.ones(4, 3))
    assert "Linear                                  [4, 2]" in capsys.readouterr().out


def test_finds_the_image_sizes_lenet_accepts():
    stats = ember.utils.summary(workloads.seed_lenet(ember), input_size=(1, 3, None, None), verbose=0,
                                search_sizes=range(28, 38))
    text = str(stats)
    assert "valid for 16 of 100 tried: 32..35 x 32..35" in text
    assert "31x32: Net: shape '[-1, 400]' is invalid for input of size 320" in text
    assert stats.valid_sizes[0] == [(1, 3, 32, 32)]
    assert "The table is for input size (1, 3, 32, 32)." in text and "├─Conv2d: 1-1" in text


def test_reports_where_shapes_break_when_nothing_fits():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(1000, 2))
    text = str(ember.utils.summary(model, input_size=(1, 3, None, None), search_sizes=range(3, 6), verbose=0))
    assert "no size makes the forward valid." in text
    assert "5x5: Sequential.2: mat1 and mat2 shapes cannot be multiplied (1x36 and 1000x2)" in text


def test_one_dim_search_of_a_fully_convolutional_model():
    model = nn.Sequential(nn.Conv2d(1, 2, 5), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    stats = ember.utils.summary(model, input_size=(2, 1, 8, None), search_sizes=range(1, 12), verbose=0)
    assert "valid for 7 of 11 tried: 5..11" in str(stats)


def test_bad_arguments():
    with pytest.raises(ValueError, match="You must pass input_data or input_size."):
        ember.utils.summary(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Column 'params' is not a valid column name"):
        ember.utils.summary(nn.Linear(2, 2), input_size=(1, 2), col_names=("params",))
    with pytest.raises(RuntimeError, match=r"Failed to run ember.utils.summary: Linear: mat1 and mat2 shapes cannot "
                                           r"be multiplied \(1x3 and 2x2\)"):
        ember.utils.summary(nn.Linear(2, 2), input_size=(1, 3))


def test_ember_train_prints_the_summary_at_start(tmp_path, capsys):
    from ember.cli import main

    argv = ["train", "--model", "lenet", "--limit-train", "32", "--limit-test", "10", "--batch-size", "32",
            "--epochs", "1", "--no-progress", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    table = out[out.index("Layer (type:depth-idx)"):]
    assert "├─Conv2d: 1-1" in table and "Total params:" in table
    assert out.index("Layer (type:depth-idx)") < out.index("Test accuracy")
