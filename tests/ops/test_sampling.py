"""Gamma, Poisson and binomial draws: shapes, dtypes, moments over large draws, the gamma reparameterisation
gradient against PyTorch's ``_standard_gamma_grad``. Draws are not compared with PyTorch's (other streams)."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels.special import standard_gamma_grad
from ember.ops.sampling import _standard_gamma


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)


def test_standard_gamma_moments_and_dtype():
    alpha = ember.tensor([0.2, 1.0, 4.5, 50.0])
    x = _standard_gamma(alpha.expand(100000, 4))
    assert x.dtype == ember.float32 and x.shape == (100000, 4)
    assert float(x.min()) > 0
    np.testing.assert_allclose(x.double().mean(0).numpy(), alpha.numpy(), rtol=0.03)
    np.testing.assert_allclose(x.double().var(0).numpy(), alpha.numpy(), rtol=0.05)


def test_standard_gamma_gradient_is_torchs_implicit_derivative():
    alpha = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 100.0, 1000.0])
    x = np.array([1e-4, 0.1, 1.3, 2.0, 12.0, 90.0, 1010.0])
    want = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(alpha, x), want, rtol=2e-4)


def test_standard_gamma_gradient_averages_to_one():
    # E[x] = alpha, so the mean pathwise derivative dx/dalpha is 1
    alpha = ember.tensor([0.5, 3.0], dtype=ember.float64, requires_grad=True)
    _standard_gamma(alpha.expand(50000, 2)).sum().backward()
    np.testing.assert_allclose(alpha.grad.numpy() / 50000, [1.0, 1.0], rtol=0.03)


def test_poisson_moments():
    rate = ember.tensor([0.0, 0.4, 4.0, 25.0, 400.0], dtype=ember.float64)
    x = ember.poisson(rate.expand(60000, 5))
    assert x.dtype == ember.float64 and bool((x == x.round()).all())
    np.testing.assert_allclose(x.mean(0).numpy(), rate.numpy(), rtol=0.03, atol=1e-9)
    np.testing.assert_allclose(x.var(0).numpy(), rate.numpy(), rtol=0.05, atol=1e-9)


def test_binomial_moments():
    n = ember.tensor([0.0, 5.0, 40.0, 300.0])
    p = ember.tensor([0.5, 0.3, 0.9, 0.5])
    x = ember.binomial(n.expand(10000, 4), p.expand(10000, 4))
    assert x.dtype == ember.float32 and float((x - n).max()) <= 0
    np.testing.assert_allclose(x.double().mean(0).numpy(), (n * p).numpy(), rtol=0.03, atol=1e-9)
    np.testing.assert_allclose(x.double().var(0).numpy(), (n * p * (1 - p)).numpy(), rtol=0.06, atol=1e-9)
