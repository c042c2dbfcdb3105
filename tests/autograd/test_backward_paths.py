"""Ops compute their backward on arrays when no graph of the gradient is built and with differentiable Tensor ops
under ``create_graph=True``: both paths give PyTorch's gradients, and the second one its second derivatives."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, randn

# (expression on (lib, x, y), shape of x, shape of y): broadcasting covers sum_to on both paths
EXPRS = {
    "mul": (lambda m, x, y: x * y, (3, 1), (1, 4)),
    "div": (lambda m, x, y: x / (y * y + 1), (3, 4), (4,)),
    "sub": (lambda m, x, y: (x - y) * x, (3, 4), (3, 1)),
    "neg": (lambda m, x, y: -x * y, (3, 4), (3, 4)),
    "scalar_div": (lambda m, x, y: 2.0 / (x * x + 1) + y, (3, 4), ()),
    "sum_dim": (lambda m, x, y: (x * y).sum(1) * x.sum(0, keepdim=True).sum(), (3, 4), (3, 4)),
    "mean": (lambda m, x, y: (x * y).mean() * x.mean(1, keepdim=True), (3, 4), (4,)),
    "softmax": (lambda m, x, y: x.softmax(1) * y, (3, 4), (3, 4)),
    "log_softmax": (lambda m, x, y: x.log_softmax(0) * y, (3, 4), (4,)),
    "exp_sin_abs": (lambda m, x, y: x.exp() * y.sin() + (x * y).abs(), (3, 4), (3, 4)),
    "erf_tanh": (lambda m, x, y: m.erf(x) * y.tanh(), (3, 4), (3, 4)),
    "sigmoid_relu": (lambda m, x, y: x.sigmoid() * (x * y).relu(), (3, 4), (3, 4)),
    "view_permute": (lambda m, x, y: (x.view(2, 6).t() * y.permute(1, 0)).reshape(12) * x.flatten(), (3, 4),
                     (2, 6)),
    "expand": (lambda m, x, y: x.expand(2, 3, 4) * y, (3, 1), (2, 3, 4)),
}


def _grads(lib, fn, x, y, create_graph):
    xs = [lib.tensor(a, requires_grad=True) for a in (x, y)]
    out = fn(lib, *xs)
    g = lib.tensor(randn(*out.shape, dtype=x.dtype, seed=2))
    grads = lib.autograd.grad(out, xs, g, create_graph=create_graph)
    return xs, grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXPRS)
def test_first_order_gradients_on_both_paths(name, dtype):
    fn, xs, ys = EXPRS[name]
    x, y = randn(*xs, dtype=dtype), randn(*ys, dtype=dtype, seed=1)
    for create_graph in (False, True):
        _, expected = _grads(torch, fn, x, y, create_graph)
        _, grads = _grads(ember, fn, x, y, create_graph)
        for e, t in zip(grads, expected):
            assert_close(e, t)
            assert e.requires_grad == t.requires_grad


@pytest.mark.parametrize("name", EXPRS)
def test_second_order_gradients(name):
    fn, xs, ys = EXPRS[name]
    x, y = randn(*xs), randn(*ys, seed=1)
    results = []
    for lib in (ember, torch):
        inputs, grads = _grads(lib, fn, x, y, True)
        total = sum((g * g).sum() for g in grads)
        results.append(lib.autograd.grad(total, inputs, allow_unused=True))
    for e, t in zip(*results):
        if t is None:
            assert e is None or not e.detach().numpy().any()
        else:
            assert_close(e, t)
