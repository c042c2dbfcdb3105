"""ember.utils.checkpoint: recomputation gives the gradients of the plain forward (inputs and parameters, both
flavours, random ops included), as PyTorch's does."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.utils import checkpoint as ck


def _net(lib, dropout: float = 0.0):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Dropout(dropout), lib.nn.Linear(8, 3))
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(np.sin(np.arange(p.numel()) * 0.7).reshape(tuple(p.shape)).astype(np.float32)))
    return net


def _grads(net, x):
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in net.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_checkpoint_gradients_equal_the_plain_forward(use_reentrant, dropout):
    net = _net(ember, dropout)
    x = ember.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)
    ember.manual_seed(3)
    net(x).pow(2).sum().backward()
    plain = _grads(net, x)
    net.zero_grad()
    x.grad = None
    ember.manual_seed(3)
    y = ck.checkpoint(net, x, use_reentrant=use_reentrant)
    assert y.grad_fn.name() == "CheckpointFunctionBackward"
    y.pow(2).sum().backward()
    for a, b in zip(_grads(net, x), plain):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_checkpoint_matches_torch_values_and_gradients():
    results = []
    for lib, module in ((ember, ck), (torch, torch.utils.checkpoint)):
        net = _net(lib)
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)
        y = module.checkpoint(lambda a, scale=1.0: net(a) * scale, x, use_reentrant=False, scale=2.0)
        y.sum().backward()
        results.append([y.detach().numpy()] + _grads(net, x))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_checkpoint_sequential_matches_torch():
    results = []
    for lib, module in ((ember, ck), (torch, torch.utils.checkpoint)):
        net = _net(lib)
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)
        y = module.checkpoint_sequential(net, 2, x, use_reentrant=True)
        y.sum().backward()
        results.append([y.detach().numpy()] + _grads(net, x))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_checkpoint_of_several_outputs_and_non_tensor_arguments():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    a, b = ck.checkpoint(lambda t, k: (t * k, t.exp()), x, 3, use_reentrant=True)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 + np.exp([1.0, 2.0]), rtol=1e-6)


def test_checkpoint_warns_without_use_reentrant_and_refuses_kwargs_when_reentrant():
    x = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        ck.checkpoint(lambda t: t * 2, x)
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
            lib.utils.checkpoint.checkpoint(lambda t, scale: t, lib.ones(2, requires_grad=True), use_reentrant=True,
                                            scale=2)


def test_checkpoint_without_grad_runs_plainly():
    with ember.no_grad():
        y = ck.checkpoint(lambda t: t * 2, ember.ones(2, requires_grad=True), use_reentrant=False)
    assert y.grad_fn is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = ck.checkpoint(lambda t: t * 2, ember.ones(2), use_reentrant=False)
    assert not y.requires_grad
