"""Every optimizer, over a grid of its options: 50 steps on the same small network give PyTorch's parameters."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

from .helpers import assert_params_close, compare_training, loss_fn, make_data, make_params, train

GRID = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), maximize=True, decoupled_weight_decay=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, betas=(0.5, 0.95))),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.02, betas=(0.8, 0.9), weight_decay=0.05, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.85, 0.95))),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.8), weight_decay=0.05)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True)),
    ("RMSprop", dict(lr=0.005, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5, eps=1e-8, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("Adadelta", dict(maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05))),
    ("Rprop", dict(lr=0.001, step_sizes=(1e-6, 0.01), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.5, t0=10, weight_decay=0.01)),
    ("ASGD", dict(lr=0.02, t0=0, maximize=True)),
]


def _make(name: str, options: dict):
    return lambda lib, params: getattr(lib.optim, name)(params, **options)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,options", GRID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GRID)])
def test_trajectory_matches_torch(name, options, dtype):
    compare_training(_make(name, options), steps=50, dtype=dtype)


@pytest.mark.parametrize("name,options", [
    ("SGD", dict(momentum=0.9)), ("Adam", dict(betas=(0.8, 0.9))), ("RMSprop", dict(centered=True)),
    ("Adagrad", dict(lr_decay=0.1)), ("NAdam", dict()), ("Rprop", dict()), ("ASGD", dict(t0=5)),
])
def test_per_group_options(name, options):
    """Seed 004's form: ``optim.SGD([{'params': ...}, {'params': ..., 'lr': 0.01}], lr=0.001)``."""
    def make(lib, params):
        return getattr(lib.optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.01}], lr=0.001,
                                         **options)

    compare_training(make)
    opt = make(ember, make_params(ember))
    assert [g["lr"] for g in opt.param_groups] == [0.001, 0.01]


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop", "ASGD"])
def test_parameters_without_grad_are_skipped(name):
    """A parameter whose ``grad`` is None is neither updated nor given state (b2 is dropped after backward)."""
    results = {}
    for lib in (ember, torch):
        params = make_params(lib)
        x, y = make_data(lib)
        opt = getattr(lib.optim, name)(params, lr=0.01, **({"momentum": 0.9} if name == "SGD" else {}))
        b2 = params[3].detach().clone()
        for _ in range(5):
            opt.zero_grad()
            loss_fn(params, x, y).backward()
            params[3].grad = None
            opt.step()
        assert np.array_equal(params[3].detach().numpy(), b2.numpy())
        results[lib.__name__] = (params, sorted(opt.state_dict()["state"]))
    assert_params_close(results["ember"][0], results["torch"][0])
    assert results["ember"][1] == results["torch"][1]


def test_float32_stays_float32():
    params, opt = train(ember, _make("Adam", dict(lr=0.01, weight_decay=0.1)), steps=3, dtype=np.float32)
    assert all(p.dtype == ember.float32 for p in params)
    state = opt.state[params[0]]
    assert state["exp_avg"].dtype == ember.float32 and state["step"].dtype == ember.float32


def test_step_counter_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    try:
        _, opt = train(ember, _make("Adam", {}), steps=2)
    finally:
        ember.set_default_dtype(ember.float32)
    step = next(iter(opt.state.values()))["step"]
    assert step.dtype == ember.float64 and step.item() == 2.0


def test_step_bumps_the_version_counter():
    params, opt = train(ember, _make("SGD", dict(lr=0.1)), steps=1)
    before = [p._version for p in params]
    x, y = make_data(ember)
    loss_fn(params, x, y).backward()
    opt.step()
    assert [p._version for p in params] == [v + 1 for v in before]
