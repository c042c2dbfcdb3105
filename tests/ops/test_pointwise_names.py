"""``nan_to_num``, ``i0`` (``ember/ops/pointwise.py``) and ``logaddexp2`` (``ember/ops/binary.py``) against
PyTorch: values, gradients, node names, in-place forms."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check_node_names, randn

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0, 0.0])
CASES = {
    "nan_to_num": (lambda lib, x: lib.nan_to_num(x), SPECIAL),
    "nan_to_num_values": (lambda lib, x: x.nan_to_num(nan=1.0, posinf=9.0, neginf=-9.0), SPECIAL),
    "nan_to_num_posinf_only": (lambda lib, x: lib.nan_to_num(x, posinf=3.0), SPECIAL),
    "nan_to_num_": (lambda lib, x: x.clone().nan_to_num_(2.0), SPECIAL),
    "i0": (lambda lib, x: lib.i0(x * 4), randn(3, 4)),
    "i0_method": (lambda lib, x: (x * 20).i0(), randn(5, seed=1)),
    "i0_": (lambda lib, x: x.clone().i0_(), randn(5, seed=2)),
    "logaddexp2": (lambda lib, a, b: lib.logaddexp2(a, b), randn(3, 4), randn(4, seed=3) * 30),
    "logaddexp2_method": (lambda lib, a: a.logaddexp2(a * 2), randn(5, seed=4)),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(name, dtype):
    fn, *inputs = CASES[name]
    check_node_names(fn, *inputs, dtype=dtype)


def test_nan_to_num_keeps_integers_and_float16_limits():
    for x in (np.array([1, 2]), SPECIAL.astype(np.float16), np.array([True, False])):
        assert_close(ember.nan_to_num(ember.tensor(x)), torch.nan_to_num(torch.tensor(x)))
    assert_close(ember.i0(ember.tensor([0, 1, 2])), torch.i0(torch.tensor([0, 1, 2])))
