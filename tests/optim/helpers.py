"""A small network run identically on ember and on torch, to compare optimizer trajectories step by step."""
from __future__ import annotations

import numpy as np
import torch

import ember

SHAPES = {"W1": (4, 8), "b1": (8,), "W2": (8, 3), "b2": (3,)}


def make_params(lib, dtype=np.float64, seed: int = 0) -> list:
    """W1, b1, W2, b2 as leaf tensors requiring grad, the same values for every library."""
    rng = np.random.default_rng(seed)
    return [lib.tensor((rng.standard_normal(shape) * 0.5).astype(dtype), requires_grad=True)
            for shape in SHAPES.values()]


def make_data(lib, dtype=np.float64, seed: int = 1):
    """Inputs (16, 4) and regression targets (16, 3)."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 3))
    return lib.tensor(x.astype(dtype)), lib.tensor(y.astype(dtype))


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    return (((x @ w1 + b1).tanh() @ w2 + b2 - y) ** 2).mean()


def closure_for(opt, params, x, y):
    def closure():
        opt.zero_grad()
        loss = loss_fn(params, x, y)
        loss.backward()
        return loss

    return closure


def train(lib, make_opt, steps: int = 50, dtype=np.float64, params=None, opt=None, after_step=None):
    """Run ``steps`` optimizer steps on the small network; returns (params, optimizer)."""
    params = params if params is not None else make_params(lib, dtype)
    x, y = make_data(lib, dtype)
    opt = opt if opt is not None else make_opt(lib, params)
    for _ in range(steps):
        opt.step(closure_for(opt, params, x, y))
        if after_step is not None:
            after_step()
    return params, opt


def assert_params_close(e_params, t_params, dtype=np.float64) -> None:
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    for i, (e, t) in enumerate(zip(e_params, t_params)):
        a, b = e.detach().numpy(), t.detach().numpy()
        assert a.dtype == b.dtype, f"param {i}: dtype {a.dtype} != torch's {b.dtype}"
        np.testing.assert_allclose(a, b, err_msg=f"param {i}", **tol)


def compare_training(make_opt, steps: int = 50, dtype=np.float64) -> None:
    """Train with ``make_opt(lib, params)`` in both libraries and compare the final parameters."""
    e_params, _ = train(ember, make_opt, steps, dtype)
    t_params, _ = train(torch, make_opt, steps, dtype)
    assert_params_close(e_params, t_params, dtype)
