"""The compiled mt19937 engine, Box-Muller (float32 and float64) and Fisher-Yates give the NumPy forms' bits (and so
PyTorch's), on both sides of the size where the engine switches to the compiled loop, and leave the generator in the
same state."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import native

pytestmark = pytest.mark.skipif(not native.available(), reason="the compiled library is not built")


def _draws(n: int, seed: int) -> list:
    ember.manual_seed(seed)
    values = [ember.randn(n), ember.rand(n), ember.randn(n, dtype=ember.float64), ember.randint(0, 10, (n,)),
              ember.randperm(n)]
    return [v.numpy().tobytes() for v in values] + [ember.get_rng_state().numpy().tobytes()]


@pytest.mark.parametrize("n", [15, 4095, 4096, 4097, 20000, 100003])
@pytest.mark.parametrize("seed", [0, 99])
def test_compiled_and_numpy_paths_agree(n, seed, monkeypatch):
    compiled = _draws(n, seed)
    monkeypatch.setattr(native, "enabled", False)
    assert _draws(n, seed) == compiled


@pytest.mark.parametrize("n", [4096, 100003])
def test_large_draws_equal_pytorchs(n):
    torch.manual_seed(3)
    ember.manual_seed(3)
    for draw in (lambda lib: lib.randn(n), lambda lib: lib.empty(n).normal_(1.5, 0.5), lambda lib: lib.rand(n),
                 lambda lib: lib.randperm(n)):
        assert draw(ember).numpy().tobytes() == draw(torch).numpy().tobytes()
    assert np.array_equal(ember.get_rng_state().numpy(), torch.get_rng_state().numpy())
