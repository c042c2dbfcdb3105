"""``Tensor.grad``: PyTorch's warning when a non-leaf's .grad is read, and its assignment rules."""
import copy
import warnings

import pytest
import torch

import ember


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_reading_grad_of_a_non_leaf_warns(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert z.grad is None and x.grad is None
        (y.sum() + z.sum()).backward()
        assert z.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [5.0, 5.0]
        y.grad = lib.ones(2)  # set by hand: reading it back is silent
        assert y.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grad_must_be_a_tensor_or_none(lib):
    x = lib.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        x.grad = 3
    x.grad = lib.zeros(2)
    x.grad = None
    assert x.grad is None


def test_backward_with_inputs_fills_a_non_leaf_grad_silently():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (y * y).sum().backward(inputs=[y])
    assert y._grad.tolist() == [4.0, 4.0]


def test_deepcopy_of_a_leaf_keeps_its_grad_and_owns_its_data():
    for lib in (ember, torch):
        leaf = lib.ones(3, requires_grad=True)
        (leaf * 2).sum().backward()
        clone = copy.deepcopy(leaf)
        assert clone.requires_grad and clone.is_leaf
        assert clone.grad.tolist() == [2.0, 2.0, 2.0]
        clone.grad.zero_()
        with lib.no_grad():
            clone.add_(1)
        assert leaf.grad.tolist() == [2.0, 2.0, 2.0] and leaf.tolist() == [1.0, 1.0, 1.0]
        with pytest.raises(RuntimeError, match="graph leaves"):
            copy.deepcopy(leaf * 2)
