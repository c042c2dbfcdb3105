"""lgamma, digamma, polygamma, erfinv, igamma/igammac against PyTorch (values, gradients, node names)."""
import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)
POSITIVE = np.concatenate([RNG.uniform(1e-3, 40, 300), np.logspace(-6, 6, 50), [1.0, 2.0, 0.5]])
REAL = np.concatenate([POSITIVE, RNG.uniform(-12, 0, 200) + 1e-3, [0.0, -1.0, -2.0, np.inf, np.nan]])


def _close(got, want, rtol):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name,xs,rtol", [("lgamma", REAL, 1e-12), ("digamma", REAL, 1e-10),
                                          ("erfinv", np.concatenate([RNG.uniform(-1, 1, 500), 1 - np.logspace(-16, -1, 30),
                                                                     [-1.0, 1.0, 0.0, 2.0, np.nan]]), 1e-13)])
def test_unary_matches_torch_in_float64(name, xs, rtol):
    _close(getattr(ember, name)(ember.tensor(xs)), getattr(torch, name)(torch.tensor(xs)), rtol)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv"])
def test_unary_float32_and_integer_inputs(name):
    xs = np.array([0.25, 0.5, 0.75], dtype=np.float32)
    got, want = getattr(ember, name)(ember.tensor(xs)), getattr(torch, name)(torch.tensor(xs))
    assert got.dtype == ember.float32
    _close(got, want, 1e-6)
    assert getattr(ember, name)(ember.tensor([1, 2])).dtype == ember.float32


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_matches_torch(n):
    # PyTorch's trigamma is itself only good to ~1e-9
    _close(ember.polygamma(n, ember.tensor(POSITIVE)), torch.polygamma(n, torch.tensor(POSITIVE)), 1e-8)


def test_polygamma_refuses_negative_order():
    with pytest.raises(RuntimeError, match="polygamma\\(n, x\\) does not support negative n."):
        ember.polygamma(-1, ember.tensor([1.0]))


@pytest.mark.parametrize("name,node", [("lgamma", "LgammaBackward0"), ("digamma", "DigammaBackward0"),
                                       ("erfinv", "ErfinvBackward0")])
def test_gradients_and_double_gradients_match_torch(name, node):
    xs = [0.3, 0.7, 0.9] if name == "erfinv" else [0.3, 1.7, 6.0]
    results = []
    for lib in (ember, torch):
        x = lib.tensor(np.array(xs), requires_grad=True)
        y = getattr(lib, name)(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        results.append((y.grad_fn.name(), g, gg))
    assert results[0][0] == results[1][0] == node
    # PyTorch's trigamma (digamma's derivative) is good to ~1e-9 only
    _close(results[0][1], results[1][1], 1e-8)
    _close(results[0][2], results[1][2], 1e-8)


def test_polygamma_gradient():
    x = ember.tensor(np.array([0.5, 2.0]), requires_grad=True)
    tx = torch.tensor(np.array([0.5, 2.0]), requires_grad=True)
    ember.polygamma(2, x).sum().backward()
    torch.polygamma(2, tx).sum().backward()
    _close(x.grad, tx.grad, 1e-9)
    assert ember.polygamma(2, x).grad_fn.name() == "PolygammaBackward0"


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_values_and_gradient(name):
    a = RNG.uniform(0.05, 30, 400)
    x = np.concatenate([RNG.uniform(0, 60, 399), [0.0]])
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    got, want = getattr(ember, name)(ember.tensor(a), ex), getattr(torch, name)(torch.tensor(a), tx)
    _close(got, want, 1e-8)  # PyTorch's own values are good to ~1e-9 here (mpmath says ours to ~1e-14)
    assert got.grad_fn.name() == want.grad_fn.name()
    got.sum().backward()
    want.sum().backward()
    _close(ex.grad, tx.grad, 1e-10)


def test_incomplete_gamma_has_no_gradient_in_its_shape():
    a = ember.tensor([2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="derivative for aten::igamma is not implemented"):
        ember.igamma(a, ember.tensor([1.0])).sum().backward()
