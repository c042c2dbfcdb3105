"""nn.utils's BatchNorm folding against PyTorch (the fused layer's parameters and its outputs equal the pair's),
the weight-format conversions and skip_init."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, randn, same_error


def _pair(make, lib, stats_seed=3):
    layer, bn = make(lib)
    rng = np.random.default_rng(stats_seed)
    with lib.no_grad():
        bn.running_mean.copy_(lib.tensor(rng.standard_normal(bn.num_features)))
        bn.running_var.copy_(lib.tensor(rng.uniform(0.5, 2.0, bn.num_features)))
        if bn.weight is not None:
            bn.weight.copy_(lib.tensor(rng.standard_normal(bn.num_features)))
            bn.bias.copy_(lib.tensor(rng.standard_normal(bn.num_features)))
    return layer.eval(), bn.eval()


CONVS = [
    (lambda lib: (lib.nn.Conv2d(3, 4, 3, dtype=lib.float64), lib.nn.BatchNorm2d(4, dtype=lib.float64)), False,
     (2, 3, 6, 6)),
    (lambda lib: (lib.nn.Conv1d(2, 5, 3, bias=False, dtype=lib.float64),
                  lib.nn.BatchNorm1d(5, affine=False, dtype=lib.float64)), False, (2, 2, 7)),
    (lambda lib: (lib.nn.ConvTranspose2d(3, 4, 2, dtype=lib.float64), lib.nn.BatchNorm2d(4, dtype=lib.float64)),
     True, (1, 3, 4, 4)),
]


@pytest.mark.parametrize("make, transpose, shape", CONVS)
def test_fuse_conv_bn_eval(make, transpose, shape):
    x = randn(*shape)
    outs = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        conv, bn = _pair(make, lib)
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        outs.append((fused(lib.tensor(x)), bn(conv(lib.tensor(x))), fused.weight, fused.bias,
                     type(fused.weight).__name__))
    (ef, ep, ew, eb, en), (tf, tp, tw, tb, tn) = outs
    assert_close(ef, tf), assert_close(ef, ep), assert_close(ew, tw), assert_close(eb, tb)
    assert en == tn == "Parameter"


def test_fuse_linear_bn_eval_and_weights():
    x = randn(4, 6)
    outs = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        linear, bn = _pair(lambda m: (m.nn.Linear(6, 3, dtype=m.float64), m.nn.BatchNorm1d(3, dtype=m.float64)), lib)
        fused = lib.nn.utils.fuse_linear_bn_eval(linear, bn)
        w, b = lib.nn.utils.fuse_linear_bn_weights(linear.weight, None, bn.running_mean, bn.running_var, bn.eps,
                                                   bn.weight, bn.bias)
        outs.append((fused(lib.tensor(x)), w, b, b.requires_grad))
    for e, t in zip(outs[0][:3], outs[1][:3]):
        assert_close(e, t)
    assert outs[0][3] == outs[1][3]


def test_fusion_needs_eval_mode():
    same_error(lambda lib: lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(1, 2, 1), lib.nn.BatchNorm2d(2)),
               "Fusion only for eval!")


def test_memory_format_conversion_and_skip_init():
    conv = ember.nn.Conv2d(2, 3, 3)
    assert ember.nn.utils.convert_conv2d_weight_memory_format(conv, None) is conv
    assert ember.nn.utils.convert_conv3d_weight_memory_format(conv, None) is conv
    made = ember.nn.utils.skip_init(ember.nn.Linear, 5, 2)
    assert made.weight.shape == (2, 5) == tuple(torch.nn.utils.skip_init(torch.nn.Linear, 5, 2).weight.shape)
    same_error(lambda lib: lib.nn.utils.skip_init(lib.nn.ReLU), "Module must support a 'device' arg")
