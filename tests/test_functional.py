"""The nn.functional ops PyTorch also has at top level (``torch.conv2d``, ``torch.dropout(input, p, train)``...)."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember import _functional
from oracle import check, randn

CALLS = {
    "conv2d": lambda m, x: m.conv2d(x, m.ones(2, 3, 2, 2, dtype=m.float64), None, 1, 1),
    "max_pool2d": lambda m, x: m.max_pool2d(x, 2), "avg_pool1d": lambda m, x: m.avg_pool1d(x[0], 2),
    "layer_norm": lambda m, x: m.layer_norm(x, (5,)), "selu": lambda m, x: m.selu(x),
    "batch_norm": lambda m, x: m.batch_norm(x, m.ones(3, dtype=m.float64), None, m.zeros(3, dtype=m.float64),
                                            m.ones(3, dtype=m.float64), True, 0.1, 1e-5, False),
    "instance_norm": lambda m, x: m.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
    "dropout_eval": lambda m, x: m.dropout(x, 0.5, False),
    "embedding": lambda m, x: m.embedding(x[0, 0], m.tensor([[0, 3], [1, 1]])),
    "adaptive_max_pool1d": lambda m, x: m.adaptive_max_pool1d(x[0], 2),
    "pixel_shuffle": lambda m, x: m.pixel_shuffle(x[:, :1].expand(2, 4, 4, 5), 2),
}


@pytest.mark.parametrize("name", CALLS)
def test_top_level_functional(name):
    check(CALLS[name], randn(2, 3, 4, 5))


def test_every_listed_name_exists_in_torch_and_ember():
    for name in _functional.SAME | _functional.OWN:
        assert hasattr(torch, name), name
        assert callable(getattr(ember, name)), name
    with pytest.raises(AttributeError, match="no attribute 'conv9d'"):
        ember.conv9d


def test_import_ember_does_not_load_nn():
    code = "import sys, ember; print('ember.nn' in sys.modules); ember.conv2d; print('ember.nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
