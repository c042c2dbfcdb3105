"""Adafactor, Muon, SparseAdam and swap_in_optimizer_params_and_state against PyTorch: parameters after several
steps (vectors, matrices, stacks of matrices; float64 tight, float32 loose), their state, and argument errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, same_error


def _run(lib, cls_name, arrays, grads, dtype, **options):
    params = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    opt = getattr(lib.optim, cls_name)(params, **options)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = lib.tensor(g.astype(dtype))
        opt.step()
    return params, opt


def _compare(cls_name, shapes, dtype, **options):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(4)]
    (ep, eo), (tp, to) = (_run(lib, cls_name, arrays, grads, dtype, **options) for lib in (ember, torch))
    for e, t in zip(ep, tp):
        assert_close(e, t)
    es, ts = eo.state_dict()["state"], to.state_dict()["state"]
    assert es.keys() == ts.keys()
    for k in es:
        assert es[k].keys() == ts[k].keys()
        for name in es[k]:
            assert_close(es[k][name], ts[k][name])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", [{}, {"lr": 0.1, "weight_decay": 0.1, "d": 2.0},
                                     {"eps": (1e-30, 1e-3), "maximize": True, "beta2_decay": -0.5}])
def test_adafactor(options, dtype):
    _compare("Adafactor", [(4, 3), (5,), (2, 3, 4), ()], dtype, **options)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", [{}, {"lr": 0.02, "nesterov": False, "weight_decay": 0.0},
                                     {"adjust_lr_fn": "match_rms_adamw", "momentum": 0.9, "ns_steps": 3}])
def test_muon(options, dtype):
    _compare("Muon", [(4, 3), (3, 5), (6, 6)], dtype, **options)


def test_argument_errors():
    same_error(lambda lib: lib.optim.Muon([lib.zeros(3, requires_grad=True)]), "Muon only supports 2D parameters")
    same_error(lambda lib: lib.optim.Adafactor([lib.zeros(3, requires_grad=True)], d=0.5), "Clipping threshold d")
    same_error(lambda lib: lib.optim.Adafactor([lib.zeros(3, requires_grad=True)], beta2_decay=0.5), "beta2_decay")
    same_error(lambda lib: lib.optim.SparseAdam([lib.zeros(3, requires_grad=True)], lr=-1), "Invalid learning rate")


def test_sparse_adam_refuses_dense_gradients():
    def step(lib):
        p = lib.zeros(3, requires_grad=True)
        opt = lib.optim.SparseAdam([p])
        p.grad = lib.ones(3)
        opt.step()
    same_error(step, "SparseAdam does not support dense gradients")


def test_swap_in_parameters_and_state():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.Adam(model.parameters(), lr=0.1)
        model(lib.ones(1, 3)).sum().backward()
        opt.step()
        swap = {n: p.detach().clone() for n, p in model.named_parameters()}
        saved = opt.state_dict()
        state = {"state": {k: {n: v.clone() for n, v in s.items()} for k, s in saved["state"].items()},
                 "param_groups": saved["param_groups"]}
        for p in swap.values():
            p.grad = lib.ones_like(p)
        with lib.optim.swap_in_optimizer_params_and_state(opt, swap, state):
            opt.step()
        return [*swap.values(), *model.parameters(), state["state"][0]["exp_avg"], opt.state_dict()["state"][0]["step"]]

    for e, t in zip(run(ember), run(torch)):
        assert_close(e, t)
