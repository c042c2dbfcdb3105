"""The Optimizer base against torch: state_dict layout and round trips (also across libraries), parameter groups,
zero_grad, step and state_dict hooks, and the printed repr."""
from __future__ import annotations

import copy
import importlib
import re

import numpy as np
import pytest
import torch

import ember

from .helpers import assert_params_close, loss_fn, make_data, make_params, train

LIBS = (ember, torch)

OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict()),
    ("Rprop", dict()),
    ("ASGD", dict(lr=0.05, t0=10)),
    ("LBFGS", dict(max_iter=3, history_size=4)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(OPTIMIZERS)]


def _make(name: str, options: dict):
    return lambda lib, params: getattr(lib.optim, name)(params, **options)


def to_lib(lib, value):
    """A state_dict (or part of one) with every tensor converted to ``lib``'s tensors through NumPy."""
    if isinstance(value, (ember.Tensor, torch.Tensor)):
        array = value.detach().numpy().copy()
        return torch.from_numpy(array) if lib is torch else ember.tensor(array)
    if isinstance(value, dict):
        return {k: to_lib(lib, v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_lib(lib, v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_lib(lib, v) for v in value)
    return value


def _describe(value):
    """A state value as comparable plain data: tensors become (dtype, shape, values)."""
    if isinstance(value, (ember.Tensor, torch.Tensor)):
        array = value.detach().numpy()
        return ("tensor", str(array.dtype), array.shape, array.round(8).tolist())
    if isinstance(value, dict):
        return {k: _describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if isinstance(value, float):
        return round(value, 8)
    return value


def _copy_params(lib, params) -> list:
    return [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=IDS)
def test_state_dict_matches_torch(name, options, dtype):
    """After 3 steps: the same param_groups (option names and values), the same state keys in the same order, state
    tensors of the same dtype, shape and value (``step`` included)."""
    states = [train(lib, _make(name, options), steps=3, dtype=dtype)[1].state_dict() for lib in LIBS]
    ours, theirs = states
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["param_groups"][0]) == list(theirs["param_groups"][0])
    assert list(ours["state"]) == list(theirs["state"])
    for index, saved in theirs["state"].items():
        assert list(ours["state"][index]) == list(saved), f"state keys of parameter {index}"
        if dtype == np.float64:
            assert _describe(ours["state"][index]) == _describe(saved)
        else:
            assert ({k: _describe(v)[:3] for k, v in ours["state"][index].items() if isinstance(v, ember.Tensor)}
                    == {k: _describe(v)[:3] for k, v in saved.items() if isinstance(v, torch.Tensor)})


def _split_steps(name: str) -> tuple[int, int]:
    return (2, 3) if name == "LBFGS" else (20, 30)


def _resume(source, target, name: str, options: dict) -> list:
    """Train with ``source``, save its state_dict, load it (converted through NumPy) into a fresh ``target``
    optimizer over fresh tensors with the same values, and train on; returns the final parameters."""
    before, after = _split_steps(name)
    params, opt = train(source, _make(name, options), steps=before)
    saved = copy.deepcopy(opt.state_dict()) if source is target else to_lib(target, opt.state_dict())
    fresh = _copy_params(target, params)
    resumed = _make(name, options)(target, fresh)
    resumed.load_state_dict(saved)
    return train(target, None, steps=after, params=fresh, opt=resumed)[0]


@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=IDS)
def test_state_dict_round_trip_resumes_the_trajectory(name, options):
    """Save after 20 steps, load into a fresh optimizer over fresh tensors, run 30 more: the parameters of an
    uninterrupted 50-step run, and torch's resumed ones."""
    resumed = _resume(ember, ember, name, options)
    full, _ = train(ember, _make(name, options), steps=sum(_split_steps(name)))
    if name == "NAdam":
        # loading casts the float32 mu_product to the float64 parameters' dtype, which rounds later steps a little
        # differently (in torch too)
        assert_params_close(resumed, full)
    else:
        for a, b in zip(resumed, full):
            assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert_params_close(resumed, _resume(torch, torch, name, options))


@pytest.mark.parametrize("source,target", [(ember, torch), (torch, ember)], ids=["ember-to-torch", "torch-to-ember"])
@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=IDS)
def test_state_dict_loads_into_the_other_library(name, options, source, target):
    """A state_dict saved by one library (tensors converted through NumPy) resumes in the other library exactly as
    it would have in the first."""
    crossed = _resume(source, target, name, options)
    native = _resume(source, source, name, options)
    assert_params_close(*((crossed, native) if target is ember else (native, crossed)))


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    """Floating state follows the parameter's dtype; ``step`` keeps its saved dtype (as in torch)."""
    _, opt = train(ember, _make("Adam", {}), steps=2, dtype=np.float64)
    params32 = make_params(ember, np.float32)
    opt32 = ember.optim.Adam(params32)
    opt32.load_state_dict(opt.state_dict())
    state = opt32.state[params32[0]]
    assert state["exp_avg"].dtype == ember.float32
    assert state["step"].dtype == opt.state_dict()["state"][0]["step"].dtype


def test_load_state_dict_keeps_its_own_params_and_takes_saved_options():
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
        other = lib.optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.3)
        other.load_state_dict(opt.state_dict())
        assert [g["lr"] for g in other.param_groups] == [0.1, 0.5]
        assert other.param_groups[1]["momentum"] == 0.9
        assert other.param_groups[1]["params"][0] is params[2]


def test_state_dict_shares_state_tensors_and_groups_by_index():
    params, opt = train(ember, _make("SGD", dict(lr=0.1, momentum=0.9)), steps=1)
    saved = opt.state_dict()
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert saved["state"][2]["momentum_buffer"] is opt.state[params[2]]["momentum_buffer"]


def test_load_state_dict_rejects_mismatched_groups_like_torch():
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
            opt.load_state_dict({"state": {}, "param_groups": []})
        with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
            opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=IDS)
def test_repr_matches_torch(name, options):
    reprs = []
    for lib in LIBS:
        params = make_params(lib)
        if name == "LBFGS":
            opt = lib.optim.LBFGS(params, **options)
        else:
            opt = getattr(lib.optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], **options)
        reprs.append(repr(opt))
    assert reprs[0] == reprs[1]


def test_sgd_repr_text():
    opt = ember.optim.SGD(make_params(ember), lr=0.1)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n"
                         "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
                         "    weight_decay: 0\n)")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad",
                                  "Adadelta", "Rprop", "ASGD", "LBFGS"])
def test_defaults_match_torch(name):
    defaults = [getattr(lib.optim, name)(make_params(lib)).defaults for lib in LIBS]
    assert defaults[0] == defaults[1]
    assert list(defaults[0]) == list(defaults[1])


def test_param_groups_fill_in_defaults_and_add_param_group():
    groups = []
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.Adam([{"params": params[0], "lr": 0.5}, {"params": iter(params[1:2]), "betas": (0.5, 0.6)}],
                             lr=0.01, weight_decay=0.1)
        opt.add_param_group({"params": params[2:], "eps": 1e-3})
        groups.append(opt.state_dict()["param_groups"])
        assert opt.param_groups[0]["params"] == [params[0]]
        assert opt.param_groups[2]["params"][1] is params[3]
    assert groups[0] == groups[1]
    assert [g["lr"] for g in groups[0]] == [0.5, 0.01, 0.01]
    assert groups[0][1]["betas"] == (0.5, 0.6) and groups[0][2]["eps"] == 1e-3


def test_named_parameters_keep_their_names():
    groups = []
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.SGD([("w1", params[0]), ("b1", params[1])], lr=0.1)
        groups.append(opt.state_dict()["param_groups"])
    assert groups[0] == groups[1]
    assert groups[0][0]["param_names"] == ["w1", "b1"]


def test_a_group_added_later_is_optimized_like_torch():
    results = []
    for lib in LIBS:
        params = make_params(lib)
        x, y = make_data(lib)
        opt = lib.optim.SGD(params[:2], lr=0.1, momentum=0.9)
        for step in range(6):
            if step == 3:
                opt.add_param_group({"params": params[2:], "lr": 0.05})
            opt.zero_grad()
            loss_fn(params, x, y).backward()
            opt.step()
        results.append(params)
    assert_params_close(*results)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    for lib in LIBS:
        params = make_params(lib)
        x, y = make_data(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        loss_fn(params, x, y).backward()
        grad = params[0].grad
        opt.zero_grad(set_to_none=set_to_none)
        if set_to_none:
            assert all(p.grad is None for p in params)
        else:
            assert params[0].grad is grad
            assert all(not p.grad.numpy().any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_returns_the_closure_loss():
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.Adam(params)
        assert opt.step() is None
        assert opt.step(lambda: 3.5) == 3.5


def _hook_log(lib) -> list:
    """Run steps with every kind of step hook registered; return what the hooks saw, in order (the optimizer
    itself, first of ``args``, logged as its class name)."""
    log = []

    def record(what):
        return lambda o, args, kwargs: log.append((what, type(o).__name__, [type(a).__name__ for a in args],
                                                   sorted(kwargs)))

    params = make_params(lib)
    opt = lib.optim.SGD(params, lr=0.1)
    hooks = importlib.import_module(f"{lib.__name__}.optim.optimizer")
    handles = [hooks.register_optimizer_step_pre_hook(record("global pre")),
               hooks.register_optimizer_step_post_hook(record("global post")),
               opt.register_step_pre_hook(record("pre")),
               opt.register_step_post_hook(record("post"))]
    try:
        opt.step()
        opt.step(closure=lambda: log.append("closure"))
        opt.step(None)
        handles[2].remove()
        handles[0].remove()
        opt.step()
    finally:
        for handle in handles:
            handle.remove()
    opt.step()
    return log


def test_step_hooks_run_in_torch_order():
    ours, theirs = (_hook_log(lib) for lib in LIBS)
    assert ours == theirs
    assert ours[:4] == [("global pre", "SGD", ["SGD"], []), ("pre", "SGD", ["SGD"], []),
                        ("post", "SGD", ["SGD"], []), ("global post", "SGD", ["SGD"], [])]
    assert len(ours) == 4 * 3 + 1 + 2


def test_step_pre_hook_may_replace_the_arguments():
    for lib in LIBS:
        params = make_params(lib)
        opt = lib.optim.SGD(params, lr=0.1)
        opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: 7.0}))
        assert opt.step() == 7.0


def test_step_pre_hook_returning_junk_raises_like_torch():
    texts = []
    for lib in LIBS:
        opt = lib.optim.SGD(make_params(lib), lr=0.1)
        opt.register_step_pre_hook(lambda o, args, kwargs: 5)
        with pytest.raises(RuntimeError) as info:
            opt.step()
        texts.append(re.sub(r"0x[0-9a-f]+", "0x", str(info.value)))
    assert texts[0] == texts[1] == ("<function SGD.step at 0x> must return None or a tuple of (new_args, "
                                    "new_kwargs), but got 5.")


def test_state_dict_hooks_like_torch():
    logs = []
    for lib in LIBS:
        log = []
        params = make_params(lib)
        opt = lib.optim.SGD(params, lr=0.1, momentum=0.9)
        opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
        opt.register_state_dict_pre_hook(lambda o: log.append("pre first"), prepend=True)

        def post(o, state_dict):
            log.append("post")
            state_dict["extra"] = 1
            return state_dict

        opt.register_state_dict_post_hook(post)
        saved = opt.state_dict()
        log.append(saved.get("extra"))

        def load_pre(o, state_dict):
            log.append("load pre")
            state_dict = dict(state_dict)
            state_dict["param_groups"] = [dict(state_dict["param_groups"][0], lr=0.25)]
            return state_dict

        opt.register_load_state_dict_pre_hook(load_pre)
        opt.register_load_state_dict_post_hook(lambda o: log.append(("load post", o.param_groups[0]["lr"])))
        opt.load_state_dict(saved)
        logs.append(log)
    assert logs[0] == logs[1]
    assert logs[0] == ["pre first", "pre", "post", 1, "load pre", ("load post", 0.25)]


class _PlainSGD(ember.optim.Optimizer):
    """An optimizer written the way PyTorch tutorials write one: its own ``step``."""

    def __init__(self, params, lr: float = 0.1) -> None:
        super().__init__(params, dict(lr=lr))

    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data.add_(p.grad.data * -group["lr"])
        return None


def test_a_subclass_with_its_own_step_gets_hooks_and_updates():
    params = make_params(ember)
    x, y = make_data(ember)
    opt = _PlainSGD(params)
    seen = []
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    reference = [p.detach().numpy().copy() for p in params]
    loss_fn(params, x, y).backward()
    opt.step()
    assert seen == ["post"]
    for p, before in zip(params, reference):
        np.testing.assert_allclose(p.detach().numpy(), before - 0.1 * p.grad.numpy())
    assert "lr: 0.1" in repr(opt) and repr(opt).startswith("_PlainSGD (")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,options", [
    ("SGD", dict(momentum=0.9)), ("Adam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(amsgrad=True)), ("Adamax", {}), ("NAdam", {}), ("RAdam", dict(weight_decay=0.1)),
    ("RMSprop", dict(centered=True)), ("Adagrad", dict(lr_decay=0.1)), ("Adadelta", {}), ("Rprop", {}),
    ("ASGD", {}), ("LBFGS", dict(max_iter=3)),
], ids=lambda value: value if isinstance(value, str) else None)
def test_tensor_learning_rate_matches_torch(name, options, dtype):
    """A float32 tensor ``lr``: step sizes derived from it round in float32, as torch's 0-d tensor arithmetic does."""
    results = []
    for lib in LIBS:
        make = lambda lib_, p: getattr(lib_.optim, name)(p, lr=lib_.tensor(0.01), **options)  # noqa: E731
        results.append(train(lib, make, steps=10, dtype=dtype)[0])
    assert_params_close(*results, dtype=dtype)
