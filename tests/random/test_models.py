"""Through the draws: nn.init, every layer family's default initialisation (a model built after manual_seed(s) has
PyTorch's state_dict), and dropout masks."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.random._same import assert_same_bits, assert_same_state

LAYERS = {
    "Linear": lambda nn: nn.Linear(20, 30),
    "Bilinear": lambda nn: nn.Bilinear(5, 6, 7),
    "Conv1d": lambda nn: nn.Conv1d(3, 8, 5),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 3, groups=1),
    "Conv3d": lambda nn: nn.Conv3d(2, 4, 3),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(4, 6, 3),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(6),
    "LayerNorm": lambda nn: nn.LayerNorm(6),
    "GroupNorm": lambda nn: nn.GroupNorm(2, 6),
    "Embedding": lambda nn: nn.Embedding(50, 8),
    "small Embedding": lambda nn: nn.Embedding(3, 4),
    "EmbeddingBag": lambda nn: nn.EmbeddingBag(10, 4),
    "RNN": lambda nn: nn.RNN(5, 7, num_layers=2),
    "LSTM": lambda nn: nn.LSTM(5, 7, bidirectional=True),
    "LSTM proj": lambda nn: nn.LSTM(5, 7, proj_size=3),
    "GRU": lambda nn: nn.GRU(5, 7),
    "cells": lambda nn: nn.ModuleList([nn.RNNCell(5, 7), nn.LSTMCell(5, 7), nn.GRUCell(5, 7)]),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(16, 4),
    "MultiheadAttention kv": lambda nn: nn.MultiheadAttention(16, 4, kdim=5, vdim=6, add_bias_kv=True),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(16, 2, 32),
    "Transformer": lambda nn: nn.Transformer(16, 2, 1, 1, 32),
    "PReLU": lambda nn: nn.PReLU(3),
    "LeNet": lambda nn: nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                                      nn.Flatten(), nn.Linear(256, 120), nn.Linear(120, 10)),
}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("seed", [0, 3])
def test_default_initialisation_is_pytorchs(name, seed):
    torch.manual_seed(seed)
    theirs = LAYERS[name](torch.nn).state_dict()
    ember.manual_seed(seed)
    mine = LAYERS[name](ember.nn).state_dict()
    assert list(mine) == list(theirs)
    for key in theirs:
        assert_same_bits(mine[key], theirs[key], f"{name} {key}")
    assert_same_state(name)


INITS = {
    "uniform_": lambda I, t: I.uniform_(t, -0.3, 0.8),
    "normal_": lambda I, t: I.normal_(t, 0.1, 0.3),
    "xavier_uniform_": lambda I, t: I.xavier_uniform_(t, 1.3),
    "xavier_normal_": lambda I, t: I.xavier_normal_(t),
    "kaiming_uniform_": lambda I, t: I.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_normal_": lambda I, t: I.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
    "sparse_": lambda I, t: I.sparse_(t, 0.3),
    "trunc_normal_": lambda I, t: I.trunc_normal_(t, 0, 0.02),
    "trunc_normal_ clipped": lambda I, t: I.trunc_normal_(t, 0, 1, -1, 1.5),
    "trunc_normal_ narrow": lambda I, t: I.trunc_normal_(t, 0, 1, 2, 3),
}


@pytest.mark.parametrize("name", list(INITS))
@pytest.mark.parametrize("shape", [(30, 20), (8, 3, 5, 5), (3, 4)])
def test_init_functions_are_pytorchs(name, shape):
    if name == "sparse_" and len(shape) != 2:
        return
    torch.manual_seed(1)
    theirs = INITS[name](torch.nn.init, torch.empty(shape))
    ember.manual_seed(1)
    mine = INITS[name](ember.nn.init, ember.empty(shape))
    assert_same_bits(mine, theirs, name)
    assert_same_state(name)


def test_orthogonal_draws_pytorchs_normals():
    """The QR factorisation rounds differently from PyTorch's LAPACK; the draws and the generator state match."""
    for shape in [(30, 20), (5, 40)]:
        torch.manual_seed(2)
        theirs = torch.nn.init.orthogonal_(torch.empty(shape))
        ember.manual_seed(2)
        mine = ember.nn.init.orthogonal_(ember.empty(shape))
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=1e-5)
        assert_same_state("orthogonal_")


DROPOUTS = {
    "dropout": lambda m, x, p: m.nn.functional.dropout(x, p),
    "Dropout": lambda m, x, p: m.nn.Dropout(p)(x),
    "dropout1d": lambda m, x, p: m.nn.functional.dropout1d(x[0], p),
    "dropout2d": lambda m, x, p: m.nn.functional.dropout2d(x, p),
    "dropout3d": lambda m, x, p: m.nn.functional.dropout3d(x, p),
    "alpha_dropout": lambda m, x, p: m.nn.functional.alpha_dropout(x, p, training=True),
    "feature_alpha_dropout": lambda m, x, p: m.nn.functional.feature_alpha_dropout(x, p, training=True),
}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", list(DROPOUTS))
@pytest.mark.parametrize("p", [0.1, 0.5, 0.77])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_masks_are_pytorchs(name, p, dtype):
    torch.manual_seed(9)
    theirs = DROPOUTS[name](torch, torch.randn(4, 6, 5, 5, dtype=getattr(torch, dtype)), p)
    ember.manual_seed(9)
    mine = DROPOUTS[name](ember, ember.randn(4, 6, 5, 5, dtype=getattr(ember, dtype)), p)
    assert_same_bits(mine, theirs, name)
    assert_same_state(name)
