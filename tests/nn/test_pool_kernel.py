"""The compiled 2-D max pooling (``csrc/pool.c``) against PyTorch (bit for bit) and the NumPy kernels in float32: values,
indices, gradients (overlapping windows add up), padding, dilation, ceil mode, NaN and -inf windows, 1-d pooling
(run as 2-d) and double backward."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import native
from oracle import assert_close

pytestmark = pytest.mark.skipif(not native.available(), reason="the compiled library is not built")

CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
         dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=4, stride=1, padding=2, dilation=2)]


def _run(lib, x: np.ndarray, g_seed: int, kw: dict):
    t = lib.tensor(x, requires_grad=True)
    y, idx = lib.nn.functional.max_pool2d(t, return_indices=True, **kw)
    g = np.random.default_rng(g_seed).standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(lib.tensor(g))
    return y.detach().numpy(), idx.numpy(), t.grad.numpy()


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("shape", [(2, 3, 9, 11), (4, 16, 32, 32)])
def test_compiled_max_pool_matches_numpy_and_torch(kw, shape, monkeypatch):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x[0, 0, :3, :3] = -np.inf
    x[0, 1, 2, 2] = np.nan
    x[1, 0, 4, 4:6] = [np.nan, np.nan]
    x[1, 1] = np.round(x[1, 1])  # ties: the first maximum in the scan wins
    compiled = _run(ember, x, 1, kw)
    monkeypatch.setattr(native, "enabled", False)
    numpy = _run(ember, x, 1, kw)
    expected = _run(torch, x, 1, kw)
    for a, b, c in zip(compiled, numpy, expected):
        np.testing.assert_array_equal(a, c)  # the compiled scan and scatter are PyTorch's, bit for bit
        # the NumPy kernels add overlapping windows' gradients in another order (and write -0.0 for 0)
        np.testing.assert_allclose(b, c, rtol=1e-6, atol=1e-6)


def test_compiled_max_pool_runs_1d_and_double_backward():
    x = np.random.default_rng(2).standard_normal((3, 4, 20)).astype(np.float32)
    results = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool1d(t, 3, 2, 1)
        (g,) = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        (g * g).sum().backward()
        results.append((y, g, t.grad))
    for a, b in zip(*results):
        assert_close(a, b)
