"""repeat_interleave, meshgrid, cartesian_prod and kron against PyTorch: values, gradients, recorded graphs."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, randn


@pytest.mark.parametrize("call", [
    lambda m, x: x.repeat_interleave(2), lambda m, x: m.repeat_interleave(x, 3, dim=1),
    lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=0), lambda m, x: x.repeat_interleave(m.tensor(2), 1),
    lambda m, x: x.repeat_interleave(0, dim=-1),
], ids=["flat", "dim1", "tensor_repeats", "0d_tensor", "zero"])
def test_repeat_interleave(call):
    check(call, randn(3, 4))


def test_repeat_interleave_of_counts_and_graph():
    assert ember.repeat_interleave(ember.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    x = ember.ones(2, requires_grad=True)
    node = x.repeat_interleave(2).grad_fn
    assert [node.name(), node.next_functions[0][0].name()] == ["ViewBackward0", "CloneBackward0"]


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda m, a, b: m.meshgrid(a, b, indexing=indexing), randn(3), randn(4, seed=1))
    check(lambda m, a, b, c: m.meshgrid([a, b, c], indexing=indexing), randn(2), randn(3, seed=1), randn(4, seed=2))


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing argument"):
        grids = ember.meshgrid(ember.ones(2), ember.ones(3))
    assert grids[0].shape == (2, 3)


def test_cartesian_prod():
    check(lambda m, a, b: m.cartesian_prod(a, b), randn(3), randn(2, seed=1))
    check(lambda m, a: m.cartesian_prod(a), randn(3))


@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3))], ids=str)
def test_kron(shapes):
    out = check(lambda m, a, b: m.kron(a, b), randn(*shapes[0]), randn(*shapes[1], seed=1))
    assert out[0].grad_fn.name() == "UnsafeViewBackward0"
