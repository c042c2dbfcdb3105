"""One ``RemovableHandle`` (``ember.utils.hooks``, PyTorch's ``torch.utils.hooks``) for every kind of hook, against
PyTorch: tensor, graph-node, module (own and global) and optimizer hooks. Each kind runs the same script on both
libraries (register, fire, remove, remove again, register in a ``with`` block, prepend where PyTorch allows it)
and the logs of what ran must match."""
from __future__ import annotations

import copy
import importlib
import pickle
from collections import OrderedDict

import pytest
import torch

import ember

LIBS = (ember, torch)


def _hooks_module(lib):
    return importlib.import_module(f"{lib.__name__}.utils.hooks")


# -- the kinds of hooks: ``kind(lib, log)`` returns register(tag, **kw) -> handle and fire() ----------------------
def _leaf_tensor(lib, log):
    x = lib.ones(2, requires_grad=True)
    return (lambda tag, **kw: x.register_hook(lambda g: log.append(tag)),
            lambda: (x * 2).sum().backward())


def _nonleaf_tensor(lib, log):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    return (lambda tag, **kw: y.register_hook(lambda g: log.append(tag)),
            lambda: y.sum().backward(retain_graph=True))


def _post_accumulate(lib, log):
    x = lib.ones(2, requires_grad=True)
    return (lambda tag, **kw: x.register_post_accumulate_grad_hook(lambda p: log.append(tag)),
            lambda: (x * 2).sum().backward())


def _node_hook(lib, log):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    return (lambda tag, **kw: y.grad_fn.register_hook(lambda gi, go: log.append(tag)),
            lambda: y.sum().backward(retain_graph=True))


def _node_prehook(lib, log):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    return (lambda tag, **kw: y.grad_fn.register_prehook(lambda go: log.append(tag)),
            lambda: y.sum().backward(retain_graph=True))


def _module(method: str, fire: str):
    def kind(lib, log):
        m = lib.nn.Linear(2, 2)
        x = lib.ones(1, 2, requires_grad=True)
        fires = {"call": lambda: m(x).sum().backward(), "state_dict": m.state_dict,
                 "load": lambda: m.load_state_dict(m.state_dict())}
        return (lambda tag, **kw: getattr(m, method)(lambda *args: log.append(tag), **kw), fires[fire])
    return kind


def _global_module(name: str):
    def kind(lib, log):
        m = lib.nn.Linear(2, 2)
        x = lib.ones(1, 2, requires_grad=True)
        register = getattr(lib.nn.modules.module, name)
        return (lambda tag, **kw: register(lambda *args: log.append(tag), **kw),
                lambda: m(x).sum().backward())
    return kind


def _optimizer(method: str, fire: str):
    def kind(lib, log):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        fires = {"step": opt.step, "state_dict": opt.state_dict,
                 "load": lambda: opt.load_state_dict(opt.state_dict())}
        return (lambda tag, **kw: getattr(opt, method)(lambda *args: log.append(tag), **kw), fires[fire])
    return kind


def _global_optimizer(name: str):
    def kind(lib, log):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        register = getattr(importlib.import_module(f"{lib.__name__}.optim.optimizer"), name)
        return (lambda tag, **kw: register(lambda *args: log.append(tag), **kw), opt.step)
    return kind


# name -> (kind, takes prepend=)
KINDS = {
    "Tensor.register_hook (leaf)": (_leaf_tensor, False),
    "Tensor.register_hook (non-leaf)": (_nonleaf_tensor, False),
    "Tensor.register_post_accumulate_grad_hook": (_post_accumulate, False),
    "Node.register_hook": (_node_hook, False),
    "Node.register_prehook": (_node_prehook, False),
    "Module.register_forward_pre_hook": (_module("register_forward_pre_hook", "call"), True),
    "Module.register_forward_hook": (_module("register_forward_hook", "call"), True),
    "Module.register_full_backward_pre_hook": (_module("register_full_backward_pre_hook", "call"), True),
    "Module.register_full_backward_hook": (_module("register_full_backward_hook", "call"), True),
    "Module.register_backward_hook": (_module("register_backward_hook", "call"), False),
    "Module.register_state_dict_pre_hook": (_module("register_state_dict_pre_hook", "state_dict"), False),
    "Module.register_state_dict_post_hook": (_module("register_state_dict_post_hook", "state_dict"), False),
    "Module.register_load_state_dict_pre_hook": (_module("register_load_state_dict_pre_hook", "load"), False),
    "Module.register_load_state_dict_post_hook": (_module("register_load_state_dict_post_hook", "load"), False),
    "register_module_forward_pre_hook": (_global_module("register_module_forward_pre_hook"), False),
    "register_module_forward_hook": (_global_module("register_module_forward_hook"), False),
    "register_module_full_backward_pre_hook": (_global_module("register_module_full_backward_pre_hook"), False),
    "register_module_full_backward_hook": (_global_module("register_module_full_backward_hook"), False),
    "Optimizer.register_step_pre_hook": (_optimizer("register_step_pre_hook", "step"), False),
    "Optimizer.register_step_post_hook": (_optimizer("register_step_post_hook", "step"), False),
    "Optimizer.register_state_dict_pre_hook": (_optimizer("register_state_dict_pre_hook", "state_dict"), True),
    "Optimizer.register_state_dict_post_hook": (_optimizer("register_state_dict_post_hook", "state_dict"), True),
    "Optimizer.register_load_state_dict_pre_hook": (_optimizer("register_load_state_dict_pre_hook", "load"), True),
    "Optimizer.register_load_state_dict_post_hook": (_optimizer("register_load_state_dict_post_hook", "load"),
                                                     True),
    "register_optimizer_step_pre_hook": (_global_optimizer("register_optimizer_step_pre_hook"), False),
    "register_optimizer_step_post_hook": (_global_optimizer("register_optimizer_step_post_hook"), False),
}


def _script(lib, name: str) -> list:
    """What ran, and what the handles said, through one register / fire / remove sequence."""
    kind, prepends = KINDS[name]
    log: list = []
    register, fire = kind(lib, log)
    a, b = register("a"), register("b")
    c = register("c", prepend=True) if prepends else register("c")
    try:
        log.append((type(a).__module__.replace(lib.__name__, "lib"), type(a).__qualname__))
        log.append((a.id < b.id < c.id, a.id in a.hooks_dict_ref(), a.hooks_dict_ref() is b.hooks_dict_ref()))
        fire()
        b.remove()
        b.remove()  # twice is harmless
        log.append(("b removed", b.id in a.hooks_dict_ref()))
        fire()
        with register("d") as d:
            log.append(("d entered", isinstance(d, _hooks_module(lib).RemovableHandle)))
            fire()
        fire()
    finally:  # global hooks must not leak into other tests
        for h in (a, c):
            h.remove()
    fire()
    return log


@pytest.mark.parametrize("name", KINDS)
def test_handles_like_torch(name):
    ours, theirs = (_script(lib, name) for lib in LIBS)
    assert ours == theirs
    assert ("lib.utils.hooks", "RemovableHandle") in ours


@pytest.mark.parametrize("kind", ["leaf", "non-leaf", "node", "prehook"])
def test_hook_that_removes_itself(kind):
    """A hook may remove itself while backward runs it; the hooks after it still run, once."""
    def run(lib):
        log, handles = [], {}
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        register = {"leaf": x.register_hook, "non-leaf": y.register_hook, "node": y.grad_fn.register_hook,
                    "prehook": y.grad_fn.register_prehook}[kind]

        def first(*args):
            log.append("first")
            handles["first"].remove()

        handles["first"] = register(first)
        register(lambda *args: log.append("second"))
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        return log

    assert run(ember) == run(torch) == ["first", "second", "second"]


def test_tensor_hooks_run_before_retain_grad_stores():
    """``.grad`` of a retained non-leaf is what its hooks returned, even those registered after retain_grad."""
    def run(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        y.sum().backward()
        return y.grad.tolist(), x.grad.tolist()

    assert run(ember) == run(torch) == ([10.0, 10.0], [20.0, 20.0])


def test_module_flags_leave_with_their_hook():
    """``with_kwargs`` and ``always_call`` sit in extra dicts keyed by the handle's id; remove() clears them."""
    def run(lib):
        m = lib.nn.Linear(2, 2)
        fwd = m.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
        pre = m.register_forward_pre_hook(lambda *a: None, with_kwargs=True)
        glob = lib.nn.modules.module.register_module_forward_hook(lambda *a: None, always_call=True)
        always = lib.nn.modules.module._global_forward_hooks_always_called
        before = (fwd.id in m._forward_hooks_with_kwargs, fwd.id in m._forward_hooks_always_called,
                  pre.id in m._forward_pre_hooks_with_kwargs, glob.id in always)
        for h in (fwd, pre, glob):
            h.remove()
        after = (fwd.id in m._forward_hooks_with_kwargs, fwd.id in m._forward_hooks_always_called,
                 pre.id in m._forward_pre_hooks_with_kwargs, glob.id in always)
        return before, after

    assert run(ember) == run(torch) == ((True,) * 4, (False,) * 4)


@pytest.mark.parametrize("extra", ["none", "dict", "list"])
def test_handle_survives_pickling(extra):
    """A pickled handle comes back pointing at the unpickled dicts (or, when they are gone, at nothing)."""
    def run(lib):
        hooks, flags = OrderedDict(), OrderedDict()
        extra_dict = {"none": None, "dict": flags, "list": [flags]}[extra]
        handle = _hooks_module(lib).RemovableHandle(hooks, extra_dict=extra_dict)
        hooks[handle.id] = flags[handle.id] = "hook"
        hooks2, flags2, handle2 = pickle.loads(pickle.dumps((hooks, flags, handle)))
        handle2.remove()
        alone = copy.deepcopy(handle)  # its dicts are copied along with it, then dropped
        alone.remove()
        return (len(hooks), len(flags), len(hooks2), len(flags2), handle2.id == handle.id,
                _hooks_module(lib).RemovableHandle.next_id > handle.id)

    ours, theirs = run(ember), run(torch)
    assert ours == theirs
    assert ours[2] == 0 and ours[0] == 1
