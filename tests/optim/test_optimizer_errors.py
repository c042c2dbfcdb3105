"""Bad optimizer input raises what torch raises: the same exception type and the same message."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import ember

LIBS = (ember, torch)


def _params(lib) -> list:
    return [lib.tensor(np.ones((2, 2)), requires_grad=True), lib.tensor(np.ones(2), requires_grad=True)]


def _seed_004(lib, p):
    # seed 004 passes the parameters as strings (a typo for net.features.parameters())
    return lib.optim.SGD([{"params": "net.features.parameters()"}, {"params": "net.classifier.parameters()",
                                                                     "lr": 0.01}], lr=0.001)


CASES = [
    # parameters that are not tensors
    ("seed-004-string-params", _seed_004, TypeError,
     "optimizer can only optimize Tensors, but one of the params is str"),
    ("string", lambda lib, p: lib.optim.SGD("weights", lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is str"),
    ("list-of-ints", lambda lib, p: lib.optim.Adam([1, 2]), TypeError,
     "optimizer can only optimize Tensors, but one of the params is int"),
    ("ndarray", lambda lib, p: lib.optim.Adam([np.ones(2)]), TypeError,
     "optimizer can only optimize Tensors, but one of the params is numpy.ndarray"),
    ("dict-not-in-a-list", lambda lib, p: lib.optim.SGD({"params": p}, lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is str"),
    ("tensor-then-dict", lambda lib, p: lib.optim.SGD([p[0], {"params": p[1]}], lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is dict"),
    ("dict-then-tensor", lambda lib, p: lib.optim.SGD([{"params": p[:1]}, p[1]], lr=0.1), TypeError,
     "param_group must be a dict, but got {tensor_class}"),
    ("single-tensor", lambda lib, p: lib.optim.SGD(p[1], lr=0.1), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts, but got {lib}.DoubleTensor"),
    ("None", lambda lib, p: lib.optim.SGD(None, lr=0.1), TypeError, "'NoneType' object is not iterable"),
    ("add_param_group-list", lambda lib, p: lib.optim.SGD(p[:1], lr=0.1).add_param_group(p[1:]), TypeError,
     "param_group must be a dict, but got <class 'list'>"),
    # parameters that cannot be optimized
    ("empty", lambda lib, p: lib.optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    ("empty-generator", lambda lib, p: lib.optim.Adam(iter([])), ValueError, "optimizer got an empty parameter list"),
    ("non-leaf", lambda lib, p: lib.optim.SGD([p[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    ("two-groups", lambda lib, p: lib.optim.SGD([{"params": p}, {"params": p[:1]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    ("add_param_group-twice", lambda lib, p: lib.optim.Adam(p).add_param_group({"params": p[1]}), ValueError,
     "some parameters appear in more than one parameter group"),
    ("names-missing", lambda lib, p: lib.optim.SGD([("w", p[0]), p[1]], lr=0.1), ValueError,
     "all optimizer params should be with/without names. Some param names are missing"),
    ("lbfgs-groups", lambda lib, p: lib.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]), ValueError,
     "LBFGS doesn't support per-parameter options (parameter groups)"),
    # hyperparameters
    ("sgd-lr", lambda lib, p: lib.optim.SGD(p, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("sgd-lr-str", lambda lib, p: lib.optim.SGD(p, lr="0.1"), TypeError,
     "'<' not supported between instances of 'str' and 'float'"),
    ("adam-lr-str", lambda lib, p: lib.optim.Adam(p, lr="0.1"), TypeError,
     "'<=' not supported between instances of 'float' and 'str'"),
    ("sgd-momentum", lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=-0.5), ValueError,
     "Invalid momentum value: -0.5"),
    ("sgd-weight_decay", lambda lib, p: lib.optim.SGD(p, lr=0.1, weight_decay=-1e-4), ValueError,
     "Invalid weight_decay value: -0.0001"),
    ("sgd-nesterov", lambda lib, p: lib.optim.SGD(p, lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("sgd-nesterov-dampening", lambda lib, p: lib.optim.SGD(p, 0.1, 0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("tensor-lr-2-elements", lambda lib, p: lib.optim.Adam(p, lr=lib.tensor([0.1, 0.2])), ValueError,
     "Tensor lr must be 1-element"),
    ("adam-lr", lambda lib, p: lib.optim.Adam(p, lr=-1e-3), ValueError, "Invalid learning rate: -0.001"),
    ("adam-beta1", lambda lib, p: lib.optim.Adam(p, betas=(1.0, 0.999)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    ("adam-beta2", lambda lib, p: lib.optim.Adam(p, betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    ("adam-eps", lambda lib, p: lib.optim.Adam(p, eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("adamw-weight_decay", lambda lib, p: lib.optim.AdamW(p, weight_decay=-0.01), ValueError,
     "Invalid weight_decay value: -0.01"),
    ("adamax-beta", lambda lib, p: lib.optim.Adamax(p, betas=(0.9, 1.0)), ValueError,
     "Invalid beta parameter at index 1: 1.0"),
    ("nadam-momentum_decay", lambda lib, p: lib.optim.NAdam(p, momentum_decay=-1), ValueError,
     "Invalid momentum_decay value: -1"),
    ("radam-beta", lambda lib, p: lib.optim.RAdam(p, betas=(-0.5, 0.9)), ValueError,
     "Invalid beta parameter at index 0: -0.5"),
    ("rmsprop-alpha", lambda lib, p: lib.optim.RMSprop(p, alpha=-0.9), ValueError, "Invalid alpha value: -0.9"),
    ("rmsprop-momentum", lambda lib, p: lib.optim.RMSprop(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
    ("adagrad-lr_decay", lambda lib, p: lib.optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    ("adagrad-initial_accumulator_value", lambda lib, p: lib.optim.Adagrad(p, initial_accumulator_value=-1),
     ValueError, "Invalid initial_accumulator_value value: -1"),
    ("adadelta-rho", lambda lib, p: lib.optim.Adadelta(p, rho=1.5), ValueError, "Invalid rho value: 1.5"),
    ("rprop-etas", lambda lib, p: lib.optim.Rprop(p, etas=(1.5, 1.2)), ValueError, "Invalid eta values: 1.5, 1.2"),
    ("asgd-weight_decay", lambda lib, p: lib.optim.ASGD(p, weight_decay=-1), ValueError,
     "Invalid weight_decay value: -1"),
    ("lbfgs-lr", lambda lib, p: lib.optim.LBFGS(p, lr=-1), ValueError, "Invalid learning rate: -1"),
]


@pytest.mark.parametrize("name,build,error,message", CASES, ids=[case[0] for case in CASES])
def test_bad_input_raises_like_torch(name, build, error, message):
    for lib in LIBS:
        with pytest.raises(error) as info:
            build(lib, _params(lib))
        expected = message.format(lib=lib.__name__, tensor_class=lib.Tensor)
        assert str(info.value) == expected, lib.__name__


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_nan_hyperparameters_like_torch(name):
    """SGD compares ``lr < 0`` (NaN passes); the others ``not 0 <= lr`` (NaN is refused)."""
    for lib in LIBS:
        if name == "SGD":
            lib.optim.SGD(_params(lib), lr=float("nan"), momentum=float("nan"))
        else:
            with pytest.raises(ValueError, match="Invalid learning rate: nan"):
                getattr(lib.optim, name)(_params(lib), lr=float("nan"))


def test_a_set_of_parameters_warns_nothing_and_is_accepted_like_torch():
    """torch accepts a set given directly (it becomes a list); only ``{'params': set}`` is refused."""
    for lib in LIBS:
        p = _params(lib)
        lib.optim.SGD(set(p), lr=0.1)
        with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered collections"):
            lib.optim.SGD([{"params": set(p)}], lr=0.1)


def test_duplicate_parameters_in_a_group_warn_like_torch():
    messages = []
    for lib in LIBS:
        p = _params(lib)
        with pytest.warns(UserWarning) as caught:
            lib.optim.SGD([p[0], p[0], p[1]], lr=0.1)
        messages.append(str(caught[0].message))
    assert messages[0] == messages[1]
    assert "duplicate parameters" in messages[0]


def test_load_state_dict_errors_like_torch():
    for lib in LIBS:
        opt = lib.optim.SGD(_params(lib), lr=0.1)
        with pytest.raises(ValueError, match=re.escape("loaded state dict has a different number of parameter groups")):
            opt.load_state_dict({"state": {}, "param_groups": []})
        with pytest.raises(ValueError, match=re.escape(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group")):
            opt.load_state_dict({"state": {}, "param_groups": [{"params": [0], "lr": 0.1}]})
        with pytest.raises(KeyError, match="param_groups"):
            opt.load_state_dict({"state": {}})


def test_required_lr_of_a_custom_optimizer():
    class Custom(ember.optim.Optimizer):
        def __init__(self, params, lr=ember.optim.optimizer.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="parameter group didn't specify a value of required optimization "
                                         "parameter lr"):
        Custom(_params(ember))
    assert Custom([{"params": _params(ember), "lr": 0.5}]).param_groups[0]["lr"] == 0.5
