"""nn.Module against PyTorch: registration, naming, hooks, modes, conversion, state_dict round trips, errors.

Every test builds the same small network in both libraries from one factory (``build(lib)``) that uses only
Module, Parameter, buffers and containers, so this file does not depend on the layer helpers' work.
"""
import copy
import pickle
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

LIBS = {"ember": ember, "torch": torch}


def classes(lib):
    """Affine (a Linear look-alike with a persistent and a non-persistent buffer) and Net, written for ``lib``."""
    nn = lib.nn

    class Affine(nn.Module):
        def __init__(self, in_features, out_features, bias=True):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features
            self.weight = nn.Parameter(lib.empty(out_features, in_features, dtype=lib.float64))
            if bias:
                self.bias = nn.Parameter(lib.empty(out_features, dtype=lib.float64))
            else:
                self.register_parameter("bias", None)
            self.register_buffer("scale", lib.ones(out_features, dtype=lib.float64))
            self.register_buffer("scratch", lib.zeros(out_features, dtype=lib.float64), persistent=False)
            nn.init.uniform_(self.weight, -0.5, 0.5)
            if bias:
                nn.init.uniform_(self.bias, -0.5, 0.5)

        def forward(self, x):
            y = x @ self.weight.T
            if self.bias is not None:
                y = y + self.bias
            return y * self.scale

        def extra_repr(self):
            return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    class Act(nn.Module):
        def forward(self, x):
            return x.tanh()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = Affine(4, 5)
            self.act = Act()
            self.s1 = [self.fc1, Affine(5, 5)]  # a plain list: not registered
            self.stage = nn.Sequential(*self.s1)
            self.heads = nn.ModuleList([Affine(5, 3, bias=False), Affine(5, 3, bias=False)])
            self.shared = self.heads[0]  # the same module under two names
            self.temperature = nn.Parameter(lib.ones((), dtype=lib.float64))

        def forward(self, x):
            h = self.act(self.stage(x))
            return (self.heads[0](h) + self.heads[1](h)) * self.temperature

    return Affine, Act, Net


_PICKLABLE = classes(ember)
for _cls in _PICKLABLE:  # module-level names so that pickle can find the classes again
    _cls.__qualname__ = "_Pickle" + _cls.__name__
    globals()[_cls.__qualname__] = _cls


def build(lib, name="Net", *args):
    return dict(zip(("Affine", "Act", "Net"), classes(lib)))[name](*args)


def twins():
    """The same network in ember and torch, torch's weights copied into ember through NumPy."""
    e, t = build(ember), build(torch)
    e.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items()})
    return e, t


def x_input(seed=0):
    return np.random.default_rng(seed).standard_normal((6, 4))


def names(pairs):
    return [n for n, _ in pairs]


def torch_to_ember(text: str) -> str:
    return text.replace("torch", "ember")


# -- registration and naming ---------------------------------------------------------------------------------------
NAMING = {
    "named_parameters": lambda m: names(m.named_parameters()),
    "named_parameters_prefix": lambda m: names(m.named_parameters(prefix="model")),
    "named_parameters_norecurse": lambda m: names(m.named_parameters(recurse=False)),
    "named_parameters_keep_dup": lambda m: names(m.named_parameters(remove_duplicate=False)),
    "named_buffers": lambda m: names(m.named_buffers()),
    "named_buffers_keep_dup": lambda m: names(m.named_buffers(remove_duplicate=False)),
    "named_children": lambda m: names(m.named_children()),
    "named_modules": lambda m: names(m.named_modules()),
    "named_modules_prefix": lambda m: names(m.named_modules(prefix="root")),
    "named_modules_keep_dup": lambda m: names(m.named_modules(remove_duplicate=False)),
    "state_dict": lambda m: list(m.state_dict()),
    "state_dict_prefix": lambda m: list(m.state_dict(prefix="p.")),
    "param_shapes": lambda m: [tuple(p.shape) for p in m.parameters()],
    "n_params": lambda m: sum(p.numel() for p in m.parameters()),
    "n_buffers": lambda m: len(list(m.buffers())),
    "n_children": lambda m: len(list(m.children())),
    "n_modules": lambda m: len(list(m.modules())),
    "metadata": lambda m: list(m.state_dict()._metadata),
    "dir": lambda m: [k for k in dir(m) if not k.startswith("_") and k not in ("call_super_init", "dump_patches")
                      and not callable(getattr(type(m), k, None))],
}


@pytest.mark.parametrize("what", NAMING)
def test_naming_matches_torch(what):
    assert NAMING[what](build(ember)) == NAMING[what](build(torch))


def test_plain_list_is_not_registered_and_shared_module_reported_once():
    net = build(ember)
    assert "s1" not in dict(net.named_children()) and isinstance(net.s1, list)
    assert net.shared is net.heads[0]
    assert [id(p) for p in net.parameters()].count(id(net.heads[0].weight)) == 1
    assert net.stage[0] is net.fc1


def test_parameter_basics():
    t = ember.ones(2, 3)
    p = ember.nn.Parameter(t)
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    p.data[0, 0] = 5.0
    assert t[0, 0].item() == 5.0  # shares t's storage
    assert repr(ember.nn.Parameter(ember.tensor([1.0, 2.0]))) == torch_to_ember(
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]))))
    assert not ember.nn.Parameter(ember.ones(2), requires_grad=False).requires_grad
    assert tuple(ember.nn.Parameter().shape) == tuple(torch.nn.Parameter().shape)
    out = p * 2
    assert type(out) is ember.Tensor


def test_parameter_pickle_and_deepcopy_keep_type():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    for q in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert type(q) is ember.nn.Parameter and q.requires_grad
        assert q.tolist() == [1.0, 2.0] and q.data_ptr() != p.data_ptr()


@pytest.mark.parametrize("with_grad", [False, True])
def test_deepcopy_module_drops_parameter_grads_like_torch(with_grad):
    # torch's Parameter.__deepcopy__ copies data and requires_grad only: the clone has no grads either way
    for lib in (ember, torch):
        net = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Tanh(), lib.nn.Linear(2, 1))
        net[2].bias.requires_grad_(False)
        x = lib.tensor(x_input()[:, :3].astype(np.float32))
        if with_grad:
            net(x).sum().backward()
        before = [None if p.grad is None else p.grad.tolist() for p in net.parameters()]
        clone = copy.deepcopy(net)
        for (name, p), q in zip(net.named_parameters(), clone.parameters()):
            assert type(q) is lib.nn.Parameter and q.requires_grad == p.requires_grad
            assert q.grad is None and (p.grad is not None) == (with_grad and p.requires_grad), name
            assert q.data_ptr() != p.data_ptr() and q.tolist() == p.tolist()
        clone(x).sum().backward()  # the clone's grads are its own: the original's stay as they were
        assert [None if p.grad is None else p.grad.tolist() for p in net.parameters()] == before
        assert clone[0].weight.grad is not None and clone[2].bias.grad is None
        if with_grad:
            assert clone[0].weight.grad.tolist() == net[0].weight.grad.tolist()


def test_deepcopy_parameter_memo_and_uninitialized():
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(2))
        (p * 3).sum().backward()
        pair = copy.deepcopy([p, p])
        assert pair[0] is pair[1] and pair[0] is not p and pair[0].grad is None and p.grad.tolist() == [3.0, 3.0]
        u = copy.deepcopy(lib.nn.UninitializedParameter(requires_grad=False))
        assert type(u) is lib.nn.UninitializedParameter and not u.requires_grad


def test_buffer_class_registers_buffer():
    for lib in (ember, torch):
        m = lib.nn.Module()
        m.a = lib.nn.Buffer(lib.ones(2))
        m.b = lib.nn.Buffer(lib.zeros(1), persistent=False)
        assert names(m.named_buffers()) == ["a", "b"] and list(m.state_dict()) == ["a"]
        assert type(m.a) is lib.Tensor


def test_reassigning_registered_names():
    for lib in (ember, torch):
        m = build(lib, "Affine", 2, 3)
        m.scale = lib.zeros(3, dtype=lib.float64)  # stays a buffer
        m.bias = None  # parameter slot kept, value None
        m.weight = lib.nn.Parameter(lib.ones(3, 2, dtype=lib.float64))
        m.extra = lib.ones(1)  # a plain tensor attribute
        assert list(m.state_dict()) == ["weight", "scale"]
        assert m.bias is None and "bias" in m._parameters and "extra" not in m._buffers
        m.scale = lib.nn.Parameter(lib.ones(3, dtype=lib.float64))  # moves from buffers to parameters
        assert names(m.named_parameters()) == ["weight", "scale"] and "scale" not in m._buffers
        del m.weight
        assert names(m.named_parameters()) == ["scale"]


def test_getattr_delattr_and_dir():
    net = build(ember)
    assert net.fc1.weight is net._modules["fc1"]._parameters["weight"]
    assert "fc1" in dir(net) and "temperature" in dir(net) and "0" not in dir(net.stage)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope
    del net.fc1
    assert "fc1" not in dict(net.named_children())
    with pytest.raises(AttributeError):
        del net.nope


def test_get_submodule_parameter_buffer():
    e, t = build(ember), build(torch)
    assert e.get_submodule("stage.1") is e.stage[1]
    assert e.get_submodule("") is e
    assert e.get_parameter("heads.1.weight") is e.heads[1].weight
    assert e.get_buffer("stage.0.scale") is e.stage[0].scale
    for call in (lambda m: m.get_submodule("stage.7"), lambda m: m.get_submodule("fc1.weight"),
                 lambda m: m.get_parameter("fc1.scale"), lambda m: m.get_buffer("fc1.weight"),
                 lambda m: m.get_parameter("fc1.nope")):
        with pytest.raises(AttributeError) as et:
            call(t)
        with pytest.raises(AttributeError, match=re.escape(str(et.value))):
            call(e)
    new = build(ember, "Affine", 5, 5)
    e.set_submodule("stage.1", new)
    assert e.stage[1] is new


# each bad action runs on both libraries; the exception type and message (torch -> ember) must agree
BAD = {
    "tensor_as_parameter": lambda lib, m: setattr(m, "weight", lib.zeros(3, 2)),
    "double_tensor_as_parameter": lambda lib, m: setattr(m, "weight", lib.zeros(3, 2, dtype=lib.float64)),
    "int_as_parameter": lambda lib, m: setattr(m, "weight", 3),
    "int_as_buffer": lambda lib, m: setattr(m, "scale", 3),
    "param_name_dot": lambda lib, m: m.register_parameter("a.b", None),
    "param_name_empty": lambda lib, m: m.register_parameter("", None),
    "param_name_int": lambda lib, m: m.register_parameter(1, None),
    "param_exists": lambda lib, m: m.register_parameter("in_features", None),
    "param_not_parameter": lambda lib, m: m.register_parameter("w", lib.ones(2)),
    "param_non_leaf": lambda lib, m: m.register_parameter("w", lib.nn.Parameter(lib.ones(2)) * 2),
    "buffer_name_dot": lambda lib, m: m.register_buffer("a.b", None),
    "buffer_name_empty": lambda lib, m: m.register_buffer("", None),
    "buffer_exists": lambda lib, m: m.register_buffer("weight", lib.ones(1)),
    "buffer_not_tensor": lambda lib, m: m.register_buffer("b", [1.0]),
    "module_name_dot": lambda lib, m: m.add_module("a.b", None),
    "module_name_empty": lambda lib, m: m.add_module("", None),
    "module_not_module": lambda lib, m: m.add_module("x", 3),
    "module_name_not_str": lambda lib, m: m.add_module(3, None),
    "module_exists": lambda lib, m: m.add_module("weight", None),
    "train_not_bool": lambda lib, m: m.train("yes"),
    "to_int_dtype": lambda lib, m: m.to(lib.int64),
    "missing_forward": lambda lib, m: lib.nn.Module()(1),
    "init_kwargs": lambda lib, m: lib.nn.Module(foo=1),
    "load_not_mapping": lambda lib, m: m.load_state_dict([1, 2]),
}


@pytest.mark.parametrize("case", BAD)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as te:
        BAD[case](torch, build(torch, "Affine", 2, 3))
    with pytest.raises(type(te.value)) as ee:
        BAD[case](ember, build(ember, "Affine", 2, 3))
    assert str(ee.value) == torch_to_ember(str(te.value))


def test_assign_before_init():
    class Early(ember.nn.Module):
        def __init__(self):
            self.w = ember.nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


# -- calling and hooks ---------------------------------------------------------------------------------------------
def _record_hooks(lib, net, log):
    for name, m in net.named_modules():
        name = name or "net"
        m.register_forward_pre_hook(lambda mod, args, n=name: log.append(("pre", n, len(args))))
        m.register_forward_hook(lambda mod, args, out, n=name: log.append(("fwd", n, tuple(out.shape))))
        m.register_full_backward_pre_hook(lambda mod, go, n=name: log.append(
            ("bwd_pre", n, [tuple(g.shape) for g in go])))
        m.register_full_backward_hook(lambda mod, gi, go, n=name: log.append(
            ("bwd", n, [None if g is None else tuple(g.shape) for g in gi], [tuple(g.shape) for g in go])))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_hook_order_matches_torch(input_requires_grad):
    logs = {}
    for lib, net in zip((ember, torch), twins()):
        log = logs[lib.__name__] = []
        _record_hooks(lib, net, log)
        x = lib.tensor(x_input(), requires_grad=input_requires_grad)
        net(x).sum().backward()
    assert logs["ember"] == logs["torch"]


def test_backward_hook_values_and_replacement_match_torch():
    grads = {}
    for lib, net in zip((ember, torch), twins()):
        seen = grads[lib.__name__] = []
        net.stage[1].register_full_backward_hook(
            lambda m, gi, go: seen.extend([gi[0].detach().numpy().copy(), go[0].detach().numpy().copy()]))
        net.heads[1].register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        net.act.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
        x = lib.tensor(x_input(), requires_grad=True)
        net(x).sum().backward()
        seen.append(x.grad.numpy().copy())
        seen.extend(p.grad.numpy().copy() for p in net.parameters())
    assert len(grads["ember"]) == len(grads["torch"])
    for e, t in zip(grads["ember"], grads["torch"]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_forward_hooks_modify_args_kwargs_and_output():
    outs = {}
    for lib in (ember, torch):
        m = build(lib, "Affine", 4, 3)
        m.weight.data.fill_(0.1)
        m.bias.data.fill_(0.0)
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: out * 10)
        m.register_forward_hook(lambda mod, args, kwargs, out: out - args[0].sum(), with_kwargs=True,
                                prepend=True)
        x = lib.ones(2, 4, dtype=lib.float64)
        first = m(x)
        h1.remove()
        with m.register_forward_hook(lambda mod, args, out: out + 1000):
            second = m(x)
        third = m(x)
        outs[lib.__name__] = [first.detach().numpy(), second.detach().numpy(), third.detach().numpy()]
    for e, t in zip(outs["ember"], outs["torch"]):
        np.testing.assert_allclose(e, t)


def test_always_call_forward_hook_runs_on_error():
    for lib in (ember, torch):
        calls = []
        m = build(lib, "Affine", 4, 3)
        m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
        with pytest.raises(RuntimeError):
            m(lib.ones(2, 7, dtype=lib.float64))
        assert calls == [None]


def test_global_forward_hook():
    from ember.nn.modules import module as module_mod

    seen = []
    handle = module_mod.register_module_forward_hook(lambda m, a, o: seen.append(type(m).__name__))
    try:
        build(ember)(ember.tensor(x_input()))
    finally:
        handle.remove()
    build(ember)(ember.tensor(x_input()))
    assert seen == ["Affine", "Affine", "Sequential", "Act", "Affine", "Affine", "Net"]


# -- modes, grads, conversion --------------------------------------------------------------------------------------
def test_train_eval_requires_grad_zero_grad_apply():
    net, _ = twins()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(ember.tensor(x_input())).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    t_visited = []
    build(torch).apply(lambda m: t_visited.append(type(m).__name__))
    assert visited == t_visited


def test_dtype_conversion_keeps_parameter_objects():
    net = build(ember)
    params = list(net.parameters())
    net(ember.tensor(x_input())).sum().backward()
    assert net.float() is net
    assert all(p.dtype == ember.float32 and p.grad.dtype == ember.float32 for p in net.parameters())
    assert all(a is b for a, b in zip(params, net.parameters()))
    assert net.fc1.scale.dtype == ember.float32
    net.to(ember.float64)
    assert all(p.dtype == ember.float64 for p in net.parameters())
    net.half()
    assert net.fc1.weight.dtype == ember.float16
    net.to(dtype=ember.float64).to("cpu").cpu()
    assert net.fc1.weight.dtype == ember.float64
    net.to(ember.zeros(1))
    assert net.fc1.weight.dtype == ember.float32
    net.type(ember.float64)
    assert net.fc1.weight.dtype == ember.float64


def test_cuda_raises_the_cpu_builds_error():
    net = build(ember)
    for call in (net.cuda, lambda: net.to("cuda"), lambda: net.to(device="cuda:0")):
        with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
            call()


def test_repr_matches_torch():
    assert repr(build(ember)) == repr(build(torch))
    assert repr(build(ember, "Act")) == repr(build(torch, "Act")) == "Act()"

    class Multi(ember.nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_pickle_and_deepcopy_module():
    net = _PICKLABLE[2]()
    x = ember.tensor(x_input())
    want = net(x).detach().numpy()
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_array_equal(clone(x).detach().numpy(), want)
        assert list(clone.state_dict()) == list(net.state_dict())
        assert clone.shared is clone.heads[0] and clone.fc1 is clone.stage[0]
        assert clone.fc1.weight.data_ptr() != net.fc1.weight.data_ptr()


# -- state_dict ------------------------------------------------------------------------------------------------------
def test_state_dict_detached_keep_vars_destination():
    net = build(ember)
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["fc1.weight"].requires_grad and type(sd["fc1.weight"]) is ember.Tensor
    assert sd["fc1.weight"].data_ptr() == net.fc1.weight.data_ptr()
    kv = net.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is net.fc1.weight
    dest = {}
    assert net.state_dict(destination=dest, prefix="m.") is dest and "m.fc1.weight" in dest


def test_load_torch_state_dict_gives_same_outputs():
    e, t = twins()
    x = x_input()
    assert_close(e(ember.tensor(x)), t(torch.tensor(x)))


def test_load_state_dict_copies_in_place():
    e, t = build(ember), build(torch)
    w = e.fc1.weight
    result = e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == repr(t.load_state_dict(t.state_dict())) == "<All keys matched successfully>"
    assert e.fc1.weight is w
    np.testing.assert_array_equal(w.detach().numpy(), t.fc1.weight.detach().numpy())
    assert w.requires_grad and w.grad_fn is None


def _state(lib, net):
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}


LOAD_CASES = {
    "missing": lambda sd: sd.pop("stage.1.bias"),
    "unexpected": lambda sd: sd.update({"fc9.weight": sd["fc1.weight"], "extra": sd["fc1.bias"]}),
    "unexpected_child": lambda sd: sd.update({"stage.5.weight": sd["fc1.weight"]}),
    "both": lambda sd: (sd.pop("temperature"), sd.update({"heads.0.bias": sd["fc1.bias"]})),
    "size_mismatch": lambda sd: sd.update({"fc1.weight": np.zeros((2, 2)), "heads.1.weight": np.zeros(3)}),
    "scalar_from_1d": lambda sd: sd.update({"temperature": np.full(1, 2.0)}),
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", LOAD_CASES)
def test_load_state_dict_errors_match_torch(case, strict):
    results = {}
    for lib in (ember, torch):
        net = build(lib)
        before = _state(lib, net)
        sd = {k: v + 1 for k, v in before.items()}
        LOAD_CASES[case](sd)
        sd = {k: lib.tensor(v) for k, v in sd.items()}
        try:
            out = net.load_state_dict(sd, strict=strict)
            results[lib.__name__] = ("ok", list(out.missing_keys), list(out.unexpected_keys))
        except RuntimeError as exc:
            results[lib.__name__] = ("error", str(exc))
            if lib is ember:  # nothing half-loaded: a failed load leaves every tensor as it was
                after = _state(lib, net)
                assert all(np.array_equal(before[k], after[k]) for k in before)
    e, t = results["ember"], results["torch"]
    assert e[0] == t[0]
    if e[0] == "error":
        assert e[1] == t[1].replace("torch.Size", "ember.Size")
    else:
        assert e == t


def test_size_mismatch_message_exact():
    net = build(ember)
    sd = net.state_dict()
    sd["fc1.weight"] = ember.zeros(2, 4, dtype=ember.float64)
    with pytest.raises(RuntimeError) as exc:
        net.load_state_dict(sd)
    assert str(exc.value) == ("Error(s) in loading state_dict for Net:\n\tsize mismatch for fc1.weight: copying a "
                              "param with shape ember.Size([2, 4]) from checkpoint, the shape in current model is "
                              "ember.Size([5, 4]).")


def test_load_state_dict_assign_and_non_tensor():
    net = build(ember, "Affine", 2, 3)
    new_w = ember.ones(3, 2, dtype=ember.float64)
    sd = {"weight": new_w, "bias": ember.zeros(3, dtype=ember.float64), "scale": ember.ones(3, dtype=ember.float64)}
    net.load_state_dict(sd, assign=True)
    assert isinstance(net.weight, ember.nn.Parameter) and net.weight.requires_grad
    assert net.weight.data_ptr() == new_w.data_ptr() and net.scale is sd["scale"]
    sd["bias"] = [1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected ember.Tensor'):
        net.load_state_dict(sd)


def test_load_state_dict_casts_dtype():
    net = build(ember, "Affine", 2, 3)
    net.load_state_dict({k: v.float() for k, v in net.state_dict().items()})
    assert net.weight.dtype == ember.float64


def test_non_persistent_buffer_and_extra_state():
    class WithExtra(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("keep", ember.ones(1))
            self.register_buffer("drop", ember.ones(1), persistent=False)
            self.note = "a"

        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    m = WithExtra()
    sd = m.state_dict()
    assert list(sd) == ["keep", "_extra_state"]
    sd["_extra_state"] = {"note": "b"}
    m.load_state_dict(sd)
    assert m.note == "b"
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        m.load_state_dict({"keep": ember.ones(1)})


def test_load_from_state_dict_override_and_hooks():
    class Renamed(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.zeros(2))

        def _load_from_state_dict(self, state_dict, prefix, *args):
            old = prefix + "old_w"
            if old in state_dict:
                state_dict[prefix + "w"] = state_dict.pop(old)
            super()._load_from_state_dict(state_dict, prefix, *args)

    outer = ember.nn.Sequential(Renamed())
    seen = []
    outer.register_load_state_dict_post_hook(lambda m, keys: seen.append(list(keys.missing_keys)))
    outer.register_state_dict_pre_hook(lambda m, prefix, keep_vars: seen.append(prefix))
    outer.load_state_dict({"0.old_w": ember.ones(2)})
    assert outer[0].w.tolist() == [1.0, 1.0] and seen == [[]]
    outer.state_dict()
    assert seen == [[], ""]


def test_module_version_and_init_signature():
    assert ember.nn.Module._version == torch.nn.Module._version
    assert build(ember).state_dict()._metadata["fc1"] == {"version": 1}


@pytest.mark.parametrize("clear_missing", [True, False])
def test_load_post_hook_can_clear_missing_keys_like_torch(clear_missing):
    results = {}
    for lib in (ember, torch):
        net = build(lib)
        before = _state(lib, net)
        order = []

        def hook(module, keys, name="net"):
            order.append(type(module).__name__)
            if clear_missing:
                keys.missing_keys.clear()

        net.register_load_state_dict_post_hook(hook)
        net.stage.register_load_state_dict_post_hook(lambda m, keys: order.append("stage"))
        sd = {k: lib.tensor(v + 1) for k, v in before.items() if k != "temperature"}
        try:
            net.load_state_dict(sd)
            results[lib.__name__] = ("ok", order)
            assert net.fc1.weight.detach().numpy()[0, 0] == before["fc1.weight"][0, 0] + 1
        except RuntimeError as exc:
            results[lib.__name__] = (str(exc), order)
            if lib is ember:
                after = _state(lib, net)
                assert all(np.array_equal(before[k], after[k]) for k in before)
    assert results["ember"] == results["torch"]
