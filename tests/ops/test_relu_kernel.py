"""The compiled ReLU (and LeakyReLU) kernels give the NumPy path's bits (NaN, infinities and zeros included, forward and
backward) on both sides of the size where they take over, and PyTorch's values (its threshold_backward: a NaN
output passes its gradient, an inactive unit stops even an infinite one)."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import native
from oracle import assert_close


def _run(x: np.ndarray, g: np.ndarray) -> tuple:
    t = ember.tensor(x, requires_grad=True)
    y = ember.relu(t)
    y.backward(ember.tensor(g))
    return y.detach().numpy().tobytes(), t.grad.numpy().tobytes()


@pytest.mark.skipif(not native.available(), reason="the compiled library is not built")
@pytest.mark.parametrize("shape", [(100,), (4096,), (64, 6, 28, 28), (3, 70001)])
def test_compiled_relu_matches_numpy_and_pytorch(shape, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    x.ravel()[:6] = [np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-40]
    g.ravel()[6:9] = [np.inf, np.nan, -np.inf]
    g.ravel()[np.flatnonzero(x.ravel() < 0)[:3]] = np.inf  # infinite gradients at inactive units
    compiled = _run(x, g)
    monkeypatch.setattr(native, "enabled", False)
    assert _run(x, g) == compiled
    tx = torch.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g))
    assert_close(ember.tensor(np.frombuffer(compiled[0], np.float32).reshape(shape)), torch.relu(tx).detach())
    assert_close(ember.tensor(np.frombuffer(compiled[1], np.float32).reshape(shape)), tx.grad)


@pytest.mark.skipif(not native.available(), reason="the compiled library is not built")
@pytest.mark.parametrize("shape", [(100,), (64, 6, 28, 28)])
@pytest.mark.parametrize("slope, inplace", [(0.2, True), (0.01, False), (-0.5, False)])
def test_compiled_leaky_relu_matches_numpy_and_pytorch(shape, slope, inplace, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    x.ravel()[:5] = [np.nan, -0.0, 0.0, np.inf, -np.inf]
    g.ravel()[5:8] = [np.inf, np.nan, -np.inf]

    def run():
        leaf = ember.tensor(x, requires_grad=True)
        y = ember.nn.functional.leaky_relu(leaf * 1, slope, inplace=inplace)
        y.backward(ember.tensor(g))
        return y.detach().numpy().copy(), leaf.grad.numpy().copy()

    compiled = run()
    monkeypatch.setattr(native, "enabled", False)
    numpy = run()
    for a, b in zip(compiled, numpy):
        assert a.tobytes() == b.tobytes()
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.leaky_relu(tx * 1, slope, inplace=inplace)
    ty.backward(torch.tensor(g))
    assert_close(ember.tensor(compiled[0]), ty.detach())
    assert_close(ember.tensor(compiled[1]), tx.grad)
