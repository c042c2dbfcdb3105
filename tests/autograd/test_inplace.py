"""In-place ops under autograd against PyTorch: version counter, saved values, views and their bases."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn


def _same_error(fn):
    with pytest.raises(RuntimeError) as torch_err:
        fn(torch)
    with pytest.raises(RuntimeError) as err:
        fn(ember)
    assert str(err.value) == str(torch_err.value).replace("torch", "ember")


@pytest.mark.parametrize("case", ["output_saved", "input_saved", "twice", "via_view", "via_detach", "exp_twice",
                                  "detached_view_operand"])
def test_modified_saved_tensor_raises_at_backward(case):
    def run(m):
        x = m.ones(3, requires_grad=True)
        if case == "output_saved":
            y = x.exp()
            z = y * 1
            y.add_(1)
            z = y.sum() + z.sum()
        elif case == "input_saved":
            a = m.ones(3)
            z = (x * a).sum()
            a.mul_(2)
        elif case == "twice":
            y = x * 1
            y.exp_()
            y.add_(1)
            z = y.sum()
        elif case == "via_view":
            y = x * 1
            z = (y.sin()).sum()
            y[0].zero_()
        elif case == "via_detach":
            y = x.tanh()
            z = y.sum()
            y.detach().zero_()
        elif case == "exp_twice":
            z = ((x * 1).exp_().exp_().sum() * x).sum()
        else:
            y = x * 1
            y.view(-1)[::2].mul_(y.view(-1)[:2].detach())
            z = y.sum()
        z.backward()
    _same_error(run)


@pytest.mark.parametrize("case", ["leaf", "view_of_leaf", "expanded", "leaf_setitem"])
def test_inplace_refusals(case):
    def run(m):
        x = m.ones(2, 3, requires_grad=True)
        if case == "leaf":
            x.add_(1)
        elif case == "view_of_leaf":
            x[0].mul_(2)
        elif case == "expanded":
            m.ones(3).expand(2, 3).add_(1)
        else:
            x[0] = 1.0
    _same_error(run)


INPLACE_GRAPHS = {
    "view_mul": lambda m, x: _do(x * 1, lambda y: y[:2].mul_(2)),
    "view_of_view": lambda m, x: _do(x * 1, lambda y: y[1:][:, 1:].add_(y[0, :3].detach())),
    "transposed_view": lambda m, x: _do(x * 1, lambda y: y.t()[1].mul_(3)),
    "setitem_into_view": lambda m, x: _do(x * 1, lambda y: y.t().__setitem__(0, 5.0)),
    "setitem_tensor_into_view": lambda m, x: _do(x * 1, lambda y: y[1].__setitem__(slice(0, 2), x[0, :2] * 4)),
    "buffer_filled_through_views": lambda m, x: _fill(m, x),
    "view_then_use_view": lambda m, x: _view_then_use(x),
    "reshape_view": lambda m, x: _do(x * 1, lambda y: y.view(-1)[::3].mul_(y.view(-1)[:4].detach().clone())),
    "relu_": lambda m, x: (x * 2).relu_() * x,
    "sigmoid_": lambda m, x: (x * 1).sigmoid_() * x,
    "sin_then_exp_then_use": lambda m, x: (x * 1).sin_().exp().sum() * x,
    "copy_": lambda m, x: m.zeros(3, 4, dtype=m.float64).copy_(x * 2) * x,
    "fill_zero_": lambda m, x: _do(x * 1, lambda y: (y[0].fill_(2.0), y[1].zero_())),
    "clamp_": lambda m, x: (x * 3).clamp_(-1, 1) * x,
    "masked_fill_": lambda m, x: (x * 1).masked_fill_(x > 0, 0.5) * x,
    "iadd_tensor": lambda m, x: _iadd(x),
    "div_by_grad_tensor": lambda m, x: (x * 1).div_(x.abs() + 1) * x,
    "whole_view_relu_": lambda m, x: _do(x * 1, lambda y: y.view(2, 6).relu_()) * x,
    "whole_view_then_use_view": lambda m, x: _whole_view(x),
}


def _whole_view(x):
    y = x * 2
    v = y.reshape(-1)
    v.mul_(v.detach().clone())
    return v * x.reshape(-1) + y.sum()


def _do(y, fn):
    fn(y)
    return y


def _fill(m, x):
    buf = m.zeros(3, 4, dtype=m.float64)
    buf[0].add_(x[0] * 2)
    buf[1:].copy_(x[1:].exp())
    return buf * x


def _view_then_use(x):
    y = x * 1
    v = y[1]
    v.mul_(2)
    return v * x[1] + y.sum()


def _iadd(x):
    y = x * 1
    y += x * x
    y[0] += 1
    return y


@pytest.mark.parametrize("name", INPLACE_GRAPHS)
def test_inplace_gradients_match_pytorch(name):
    check(INPLACE_GRAPHS[name], randn(3, 4))


def test_view_inplace_names_and_base():
    for lib in (ember, torch):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 1
        v = y[:2]
        assert v._base is y and v[0]._base is y and x.detach()._base is None
        v.mul_(2)
        names = [y.grad_fn.name(), v.grad_fn.name()] if lib is ember else [type(y.grad_fn).__name__,
                                                                           type(v.grad_fn).__name__]
        assert names == ["CopySlices", "AsStridedBackward0"]


def test_inplace_through_view_of_plain_tensor_records():
    for lib in (ember, torch):
        w = lib.ones(2, requires_grad=True)
        z = lib.zeros(3, 2)
        z[0].add_(w)
        assert z.requires_grad and not z.is_leaf
        z.sum().backward()
        assert w.grad.tolist() == [1.0, 1.0]


def test_version_counter():
    for lib in (ember, torch):
        x = lib.ones(3)
        v = x[1:]
        d = x.detach()
        assert x._version == 0
        x.add_(1)
        v.mul_(2)
        d[0] = 3.0
        x.data.add_(1)
        assert x._version == v._version == d._version == 3
        x[[0, 1]] = 0.0
        assert x._version == 4


def test_inplace_keeps_identity_and_dtype():
    x = ember.ones(3, dtype=ember.int64)
    assert x.add_(2) is x and x.dtype is ember.int64 and x.tolist() == [3, 3, 3]
    assert x.mul_(ember.tensor(2)) is x and x.tolist() == [6, 6, 6]
    y = ember.ones(2)
    y += 1
    y *= ember.tensor([2.0, 3.0])
    y -= 1
    y /= 2
    y **= 2
    assert y.tolist() == [2.25, 6.25]
    assert np.shares_memory(ember.ones(2).clamp_(0, 0.5).numpy(), ember.ones(2).numpy()) is False


@pytest.mark.parametrize("call, name", [
    (lambda x: x.t_(), "TBackward1"), (lambda x: x.transpose_(0, 1), "TransposeBackward1"),
    (lambda x: x.unsqueeze_(1), "UnsqueezeBackward1"), (lambda x: x.unsqueeze_(0).squeeze_(), "SqueezeBackward3"),
    (lambda x: x.unsqueeze_(2).squeeze_(2), "SqueezeBackward4"),
], ids=["t_", "transpose_", "unsqueeze_", "squeeze_", "squeeze_dim"])
def test_inplace_view_ops(call, name):
    seen = []
    for lib in (ember, torch):
        x = lib.tensor(randn(3, 4), requires_grad=True)
        y = x * 2
        version = y._version
        assert call(y) is y
        assert (y.grad_fn.name() if lib is ember else type(y.grad_fn).__name__) == name
        (y * lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape)).sum().backward()
        seen.append((tuple(y.shape), y._version - version, x.grad.numpy().tolist()))
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            call(x)
    assert seen[0] == seen[1]
