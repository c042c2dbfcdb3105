"""The compiled normalisation kernels (kernels/csrc/batch_norm.c, row_norm.c; kernels/norm_native.py) and
the NumPy kernels on the same cases: both against PyTorch, which cases the compiled ones take, and threading."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import native as _native, norm_native as _native_norm
from oracle import assert_close, check_module, randn

# (layer, kwargs, input shape): the seed shapes (rows of 256, 1024 and 100 floats: whole vectors, and a tail), big
# enough to split over threads or not, one sample (InstanceNorm's (1, N*C, L) view), odd rows, no affine parameters
CASES = [
    ("BatchNorm2d", dict(), (64, 32, 16, 16)), ("BatchNorm2d", dict(), (64, 16, 10, 10)),
    ("BatchNorm2d", dict(), (3, 5, 4, 5)), ("BatchNorm2d", dict(affine=False), (7, 3, 17, 3)),
    ("BatchNorm2d", dict(bias=False, momentum=0.3, eps=1e-3), (9, 4, 6, 6)),
    ("BatchNorm1d", dict(), (6, 3, 37)), ("BatchNorm3d", dict(), (2, 4, 3, 4, 5)),
    # (N, C): blocks of 64 channels and a partial one, split over threads or not, no affine parameters
    ("BatchNorm1d", dict(), (64, 120)), ("BatchNorm1d", dict(), (512, 130)), ("BatchNorm1d", dict(), (5, 3)),
    ("BatchNorm1d", dict(affine=False), (7, 70, 1)),
    ("InstanceNorm2d", dict(affine=True), (5, 7, 9, 11)),
]


# (layer, args, kwargs, input shape): LayerNorm over one and two dims, rows of whole vectors and with tails, no
# affine, no bias; GroupNorm with 1, some and C groups, (N, C) and 3-D inputs; big enough to split over threads
ROW_CASES = [
    ("LayerNorm", (256,), dict(), (64, 64, 256)), ("LayerNorm", ((3, 7),), dict(), (5, 2, 3, 7)),
    ("LayerNorm", (20,), dict(elementwise_affine=False), (6, 20)), ("LayerNorm", (33,), dict(bias=False), (4, 33)),
    ("GroupNorm", (8, 32), dict(), (64, 32, 16, 16)), ("GroupNorm", (1, 6), dict(), (3, 6, 5)),
    ("GroupNorm", (6, 6), dict(affine=False), (2, 6, 4, 3)), ("GroupNorm", (2, 4), dict(), (5, 4)),
    ("GroupNorm", (3, 6), dict(eps=1e-3), (4, 6, 2, 3, 2)),
]


def _pair(name, kwargs, *args):
    e, t = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.rand(p.shape) + 0.5)
    return e, t


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=str)
def test_batch_norm_against_torch(path, name, kwargs, shape, training):
    e, t = _pair(name, kwargs, shape[1])
    x = randn(*shape, dtype=np.float32) * 3 + 2
    if not training:  # running statistics of some earlier batches
        for step in range(2):
            e(ember.tensor(x + step))
            t(torch.tensor(x + step))
        e.eval()
        t.eval()
    check_module(e, t, x, rtol=1e-4, atol=1e-4)
    for (name_e, b_e), (name_t, b_t) in zip(e.named_buffers(), t.named_buffers()):
        assert name_e == name_t
        assert_close(b_e, b_t, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, args, kwargs, shape", ROW_CASES, ids=str)
def test_layer_and_group_norm_against_torch(path, name, args, kwargs, shape):
    e, t = _pair(name, kwargs, *args)
    check_module(e, t, randn(*shape, dtype=np.float32) * 3 + 2, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", ["batch_norm", "batch_norm (N, C)", "layer_norm", "group_norm"])
def test_large_offset_is_as_accurate_as_torch(path, fn):
    """Mean 100, std 0.1: the distance of the output and of the input gradient to the float64 answer."""
    shape = (3600, 16) if fn == "batch_norm (N, C)" else (16, 4, 30, 30)
    x = (randn(*shape) * 0.1 + 100).astype(np.float32)
    dims = {"batch_norm": (0, 2, 3), "batch_norm (N, C)": (0,), "layer_norm": (3,), "group_norm": (1, 2, 3)}[fn]
    call = {"batch_norm": lambda F, t: F.batch_norm(t, None, None, training=True),
            "batch_norm (N, C)": lambda F, t: F.batch_norm(t, None, None, training=True),
            "layer_norm": lambda F, t: F.layer_norm(t, (30,)),
            "group_norm": lambda F, t: F.group_norm(t, 1)}[fn]
    x64 = x.astype(np.float64)
    std = np.sqrt(x64.var(dims, keepdims=True) + 1e-5)
    ref = (x64 - x64.mean(dims, keepdims=True)) / std
    g = randn(*x.shape, seed=1).astype(np.float32)
    gref = (g - g.mean(dims, keepdims=True) - ref * (g * ref).mean(dims, keepdims=True)) / std
    errors = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = call(lib.nn.functional, xt)
        y.backward(lib.tensor(g))
        errors.append((np.abs(y.detach().numpy() - ref).max(), np.abs(xt.grad.numpy() - gref).max()))
    (e_out, e_grad), (t_out, t_grad) = errors
    assert e_out <= 1.5 * t_out + 1e-6
    assert e_grad <= 1.5 * t_grad + 1e-4 * np.abs(gref).max()


def test_cases_taken(monkeypatch):
    monkeypatch.setattr(_native, "enabled", True)
    assert _native_norm.takes(np.zeros((2, 3, 4, 4), np.float32))
    assert _native_norm.takes_rows(np.zeros((2, 3), np.float32)) and not _native_norm.takes_rows(np.zeros(3))
    # (N, C) inputs (or one position per channel) are taken a block of channels at a time
    assert _native_norm.takes(np.zeros((64, 120), np.float32)) and _native_norm.takes(np.zeros((4, 3, 1), np.float32))
    # float64, and rows of 2 to 15 positions (shorter than a cache line) stay on the NumPy kernels
    assert not _native_norm.takes(np.zeros((2, 3, 4, 4), np.float64))
    assert not _native_norm.takes(np.zeros((2, 3, 3, 5), np.float32))
    assert not _native_norm.takes(np.zeros((0, 3, 4, 4), np.float32))
    assert not _native_norm.takes_rows(np.zeros((0, 3), np.float32))
    monkeypatch.setattr(_native, "enabled", False)
    assert not _native_norm.takes(np.zeros((2, 3, 4, 4), np.float32))
    assert not _native_norm.takes_rows(np.zeros((2, 3), np.float32))


def test_compiled_kernels_are_used(monkeypatch):
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    calls = []
    for name in ("forward", "backward", "rows_forward", "rows_backward"):
        original = getattr(_native_norm, name)
        monkeypatch.setattr(_native_norm, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    x = ember.randn(2, 4, 8, 16, requires_grad=True)
    for layer in (ember.nn.BatchNorm2d(4), ember.nn.LayerNorm(16), ember.nn.GroupNorm(2, 4)):
        layer(x).sum().backward()
    ember.nn.BatchNorm1d(4)(ember.randn(3, 4, requires_grad=True)).sum().backward()
    assert calls == ["forward", "backward"] + ["rows_forward", "rows_backward"] * 2 + ["forward", "backward"]


@pytest.mark.parametrize("forward_native", [True, False], ids=["native_forward", "numpy_forward"])
@pytest.mark.parametrize("make", [lambda: ember.nn.BatchNorm2d(4), lambda: ember.nn.LayerNorm(16),
                                  lambda: ember.nn.GroupNorm(2, 4)], ids=["BatchNorm2d", "LayerNorm", "GroupNorm"])
def test_backward_takes_the_path_its_forward_took(monkeypatch, make, forward_native):
    """The two paths keep different things for the backward: switching the library between forward and backward
    changes no bit of the gradients."""
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    x, g = randn(2, 4, 8, 16, dtype=np.float32), randn(2, 4, 8, 16, seed=1, dtype=np.float32)
    grads = []
    for backward_native in (forward_native, not forward_native):
        layer = make()
        xt = ember.tensor(x, requires_grad=True)
        monkeypatch.setattr(_native, "enabled", forward_native)
        y = layer(xt)
        monkeypatch.setattr(_native, "enabled", backward_native)
        y.backward(ember.tensor(g))
        grads.append([xt.grad.numpy(), layer.weight.grad.numpy()])
    assert all(np.array_equal(a, b) for a, b in zip(*grads))


@pytest.mark.parametrize("layer, shape", [(ember.nn.BatchNorm2d(32), (64, 32, 16, 16)),
                                          (ember.nn.BatchNorm1d(300), (1024, 300)),
                                          (ember.nn.GroupNorm(8, 32), (64, 32, 16, 16)),
                                          (ember.nn.LayerNorm(16), (64, 32, 16, 16))],
                         ids=lambda m: type(m).__name__ if isinstance(m, ember.nn.Module) else "")
def test_threaded_work_is_the_same_bits_every_run(path, layer, shape):
    x = ember.randn(*shape, requires_grad=True)
    g = ember.randn(*shape)
    results = []
    for _ in range(3):
        x.grad = layer.weight.grad = None
        y = layer(x)
        y.backward(g)
        results.append([a.detach().numpy().copy() for a in (y, x.grad, layer.weight.grad)])
    for later in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], later))


@pytest.mark.parametrize("name, args", [("BatchNorm2d", (3,)), ("LayerNorm", (5,)), ("GroupNorm", (3, 3))])
def test_second_order_gradients_use_the_graph(path, name, args):
    e, t = _pair(name, {}, *args)
    x = randn(4, 3, 4, 5, dtype=np.float32)
    grads = []
    for lib, layer in ((ember, e), (torch, t)):
        if lib is ember:
            e.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items()})
        xt = lib.tensor(x, requires_grad=True)
        (gx,) = lib.autograd.grad((layer(xt) ** 3).sum(), xt, create_graph=True)
        (gxx,) = lib.autograd.grad((gx * gx).sum(), xt)
        grads.append(gxx.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name, args", [("BatchNorm2d", (3,)), ("LayerNorm", (4,))])
def test_empty_batch_in_eval_matches_torch(path, name, args):
    e, t = _pair(name, {}, *args)
    e.eval()
    t.eval()
    x = np.zeros((0, 3, 4, 4), np.float32)
    assert tuple(e(ember.tensor(x)).shape) == tuple(t(torch.tensor(x)).shape) == (0, 3, 4, 4)
