"""The backward engine against PyTorch: accumulation, retain_graph, hooks, deep graphs, errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, randn


def _pair(arr, requires_grad=True):
    return ember.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad)


def _same_error(fn_ember, fn_torch, exc=RuntimeError):
    with pytest.raises(exc) as torch_err:
        fn_torch()
    with pytest.raises(exc) as err:
        fn_ember()
    assert str(err.value) == str(torch_err.value).replace("torch", "ember")


def test_leaves_and_requires_grad():
    e, t = _pair(randn(3))
    for x in (e, t):
        y = x * 2
        assert x.is_leaf and not y.is_leaf and y.requires_grad and x.grad_fn is None
        z = x.detach()
        assert z.is_leaf and not z.requires_grad
    c = ember.ones(2)
    assert c.is_leaf and not c.requires_grad and (c * 2).grad_fn is None


def test_grad_accumulates_over_backward_calls():
    e, t = _pair(randn(3))
    for x in (e, t):
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        (x * 3).sum().backward()
    assert_close(e.grad, t.grad)
    e.grad.zero_()
    assert e.grad.tolist() == [0.0, 0.0, 0.0]
    e.grad = None
    (e * 2).sum().backward()
    assert e.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_with_gradient_argument():
    e, t = _pair(randn(2, 3))
    g = randn(2, 3, seed=1)
    (e * e).backward(ember.tensor(g))
    (t * t).backward(torch.tensor(g))
    assert_close(e.grad, t.grad)
    e2, t2 = _pair(randn(3))
    (e2 * 2).sum().backward(ember.tensor(3.0))
    (t2 * 2).sum().backward(torch.tensor(3.0))
    assert_close(e2.grad, t2.grad)


def test_shared_subexpressions_and_multiple_roots():
    e, t = _pair(randn(4))
    for lib, x in ((ember, e), (torch, t)):
        a = x.exp()
        b = a * x + a.sin()
        lib.autograd.backward([b.sum(), (a * 2).sum()], [lib.tensor(1.0, dtype=lib.float64),
                                                         lib.tensor(0.5, dtype=lib.float64)])
    assert_close(e.grad, t.grad)


def test_retain_graph_and_freed_graph_error():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = (tx * tx).sum()
    ty.backward()
    with pytest.raises(RuntimeError) as torch_err:
        ty.backward()
    with pytest.raises(RuntimeError) as err:
        y.backward()
    assert str(err.value) == str(torch_err.value)


def test_graph_without_saved_tensors_can_be_run_twice():
    e, t = _pair(randn(3))
    for x in (e, t):
        y = (x + 2).sum()
        y.backward()
        y.backward()
    assert_close(e.grad, t.grad)


def test_create_graph_keeps_graph():
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.item() == 12.0 and x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d/dx 3x^2 = 6x


def test_deep_chain_is_iterative():
    x = ember.tensor(1.0, dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(10000):
        y = y * 1.0001 + 0.0
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 10000, rtol=1e-9)


def test_deep_chain_autograd_grad_and_double_backward():
    x = ember.tensor(0.5, dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y.sin()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    tx = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    ty = tx
    for _ in range(3000):
        ty = ty.sin()
    (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
    assert_close(g, tg)
    assert_close(ember.autograd.grad(g, x)[0], torch.autograd.grad(tg, tx)[0])


def test_next_functions_and_accumulate_grad():
    x = ember.tensor([1.0], requires_grad=True)
    w = ember.tensor([2.0], requires_grad=True)
    loss = (x * w + 1).sum()
    assert loss.grad_fn.name() == "SumBackward0"
    add = loss.grad_fn.next_functions[0][0]
    assert add.name() == "AddBackward0"
    mul = add.next_functions[0][0]
    assert mul.name() == "MulBackward0" and add.next_functions[1] == (None, 0)
    acc_x, acc_w = (f for f, _ in mul.next_functions)
    assert acc_x.name() == "AccumulateGrad" and acc_x.variable is x and acc_w.variable is w
    assert acc_x.next_functions == ()
    assert repr(loss.grad_fn).startswith("<SumBackward0 object at 0x")
    assert (x * 2).grad_fn.next_functions[0][0] is acc_x


def test_tensor_hooks():
    e, t = _pair(randn(3))
    seen = {}
    for name, x in (("ember", e), ("torch", t)):
        y = x * 2
        y.register_hook(lambda g: g * 10)
        h = x.register_hook(lambda g, name=name: seen.setdefault(name, g.clone()))
        (y * y).sum().backward()
        h.remove()
        (x * 1).sum().backward()
    assert_close(e.grad, t.grad)
    assert_close(seen["ember"], seen["torch"])


def test_retain_grad():
    e, t = _pair(randn(3))
    grads = []
    for x in (e, t):
        y = x.exp()
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        assert y.retains_grad and not x.retains_grad
        grads.append(y.grad)
    assert_close(*grads)


def test_retained_grad_values():
    e, t = _pair(randn(3))
    ye, yt = e.exp(), t.exp()
    ye.retain_grad()
    yt.retain_grad()
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    assert_close(ye.grad, yt.grad)
    assert (e * 2).grad is None


def test_backward_inputs_argument():
    e, t = _pair(randn(3))
    e2, t2 = _pair(randn(3, seed=1))
    (e * e2).sum().backward(inputs=[e])
    (t * t2).sum().backward(inputs=[t])
    assert_close(e.grad, t.grad)
    assert e2.grad is None and t2.grad is None


def test_post_accumulate_grad_hook():
    x = ember.ones(2, requires_grad=True)
    calls = []
    x.register_post_accumulate_grad_hook(lambda p: calls.append(p.grad.clone()))
    (x * 3).sum().backward()
    assert len(calls) == 1 and calls[0].tolist() == [3.0, 3.0]


def test_node_hooks():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda grads: (grads[0] * 5,))
    y.grad_fn.register_hook(lambda gin, gout: (gin[0] + 1, gin[1]))
    y.sum().backward()
    assert x.grad.tolist() == [11.0, 11.0]


def test_detach_and_data_share_storage():
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    d = e.detach()
    d[0] = 5.0
    assert e[0].item() == 5.0 and not d.requires_grad
    e.data.mul_(2)
    assert e.tolist() == [10.0, 4.0] and e.requires_grad
    e.data = ember.tensor([7.0, 8.0])
    assert e.tolist() == [7.0, 8.0] and e.requires_grad


def test_detach_inplace_and_requires_grad_():
    y = ember.ones(2, requires_grad=True) * 3
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    z = ember.ones(2).requires_grad_()
    assert z.requires_grad
    z.requires_grad_(False)
    assert not z.requires_grad
    _same_error(lambda: ember.ones(2, dtype=ember.int64).requires_grad_(),
                lambda: torch.ones(2, dtype=torch.int64).requires_grad_())
    with pytest.raises(RuntimeError) as torch_err:
        (torch.ones(2, requires_grad=True) * 2).requires_grad_(False)
    with pytest.raises(RuntimeError) as err:
        (ember.ones(2, requires_grad=True) * 2).requires_grad_(False)
    assert str(err.value).split(".")[0] == str(torch_err.value).split(".")[0]


@pytest.mark.parametrize("case", ["non_scalar", "shape_mismatch", "no_grad_output", "not_requiring"])
def test_backward_errors(case):
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        if case == "non_scalar":
            (x * 2).backward()
        elif case == "shape_mismatch":
            (x * 2).backward(lib.ones(2))
        elif case == "no_grad_output":
            lib.ones(2).sum().backward()
        else:
            lib.autograd.backward([(x * 2).sum(), lib.ones(1).sum()])
    _same_error(lambda: run(ember), lambda: run(torch))


def test_gradient_dtype_follows_leaf():
    x = ember.ones(2, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype is ember.float32


def test_leaf_gradients_never_alias_other_tensors():
    # a leaf keeps a gradient array without copying only when nothing else can reach it
    a, b = ember.randn(3, requires_grad=True), ember.randn(3, requires_grad=True)
    ((a + b) * 2).sum().backward()  # AddBackward hands the same gradient to both leaves
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    g = ember.ones(3)
    x = ember.randn(3, requires_grad=True)
    x.clone().backward(g)  # CloneBackward passes the caller's gradient through
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    seen = []
    w = ember.randn(2, 3, requires_grad=True)
    w.register_hook(lambda grad: seen.append(grad))
    for _ in range(2):
        (w * 3).sum().backward()
    np.testing.assert_array_equal(seen[0].numpy(), np.full((2, 3), 3.0, dtype=np.float32))
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 3), 6.0, dtype=np.float32))
    np.testing.assert_array_equal(g.numpy(), np.ones(3, dtype=np.float32))


def test_fresh_leaf_gradient_is_kept_without_a_copy(monkeypatch):
    copies = []
    original = ember.Tensor._own_copy
    monkeypatch.setattr(ember.Tensor, "_own_copy", lambda self, dt: copies.append(1) or original(self, dt))
    x = ember.randn(5, 4)
    w = ember.randn(3, 4, requires_grad=True)
    b = ember.randn(3, requires_grad=True)
    ember.nn.functional.linear(x, w, b).pow(2).sum().backward()
    assert not copies
    for t in (w, b):
        arr = t.grad.numpy()
        assert arr.flags.c_contiguous and arr.flags.writeable and arr.dtype == np.float32
    g_w = w.grad.numpy().copy()
    ember.nn.functional.linear(x, w, b).pow(2).sum().backward()  # accumulates in place
    np.testing.assert_allclose(w.grad.numpy(), 2 * g_w, rtol=1e-6)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_of_one_element_output(shape, dtype):
    results, outs = [], []
    for x in _pair(randn(3, dtype=dtype)):
        out = (x * x).sum().reshape(shape)
        out.backward(retain_graph=True)
        out.backward()
        results.append(x.grad)
        outs.append(out)
    assert_close(*results)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        outs[0].backward()


def _callback_order(lib, queue_callback):
    """Events of a backward whose hook queues a callback and then runs a nested backward of its own."""
    events = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)

    def hook(grad):
        queue_callback(lambda: events.append(("outer callback", x.grad is None)))
        with lib.enable_grad():
            z = (w * w).sum()
        events.append(("nested grad", lib.autograd.grad(z, w)[0].tolist()))
        return grad

    x.register_hook(hook)
    (x * 2).sum().backward()
    events.append(("after backward", x.grad.tolist()))
    return events


def test_queued_callbacks_run_once_their_own_pass_ends():
    from ember.autograd.engine import queue_callback

    want = _callback_order(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert _callback_order(ember, queue_callback) == want
    with pytest.raises(RuntimeError, match="only be installed during backward") as torch_err:
        torch.autograd.Variable._execution_engine.queue_callback(lambda: None)
    with pytest.raises(RuntimeError) as err:
        queue_callback(lambda: None)
    assert str(err.value) == str(torch_err.value)
