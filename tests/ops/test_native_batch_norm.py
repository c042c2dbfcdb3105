"""The compiled batch normalisation (ember/_native/batch_norm.c, ember/ops/_native_norm.py) and the NumPy kernels
on the same cases: both against PyTorch, which cases the compiled one takes, and its threading."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import _native, _native_norm
from oracle import assert_close, check_module, randn

# (layer, kwargs, input shape): the seed shapes (rows of 256, 1024 and 100 floats: whole vectors, and a tail), big
# enough to split over threads or not, one sample (InstanceNorm's (1, N*C, L) view), odd rows, no affine parameters
CASES = [
    ("BatchNorm2d", dict(), (64, 32, 16, 16)), ("BatchNorm2d", dict(), (64, 16, 10, 10)),
    ("BatchNorm2d", dict(), (3, 5, 4, 5)), ("BatchNorm2d", dict(affine=False), (7, 3, 17, 3)),
    ("BatchNorm2d", dict(bias=False, momentum=0.3, eps=1e-3), (9, 4, 6, 6)),
    ("BatchNorm1d", dict(), (6, 3, 37)), ("BatchNorm3d", dict(), (2, 4, 3, 4, 5)),
    ("InstanceNorm2d", dict(affine=True), (5, 7, 9, 11)),
]


def _pair(name, kwargs, channels):
    e, t = getattr(ember.nn, name)(channels, **kwargs), getattr(torch.nn, name)(channels, **kwargs)
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


def test_large_offset_is_as_accurate_as_torch(path):
    x = (randn(16, 4, 30, 30) * 0.1 + 100).astype(np.float32)
    x64 = x.astype(np.float64)
    std = np.sqrt(x64.var((0, 2, 3), keepdims=True) + 1e-5)
    ref = (x64 - x64.mean((0, 2, 3), keepdims=True)) / std
    g = randn(*x.shape, seed=1).astype(np.float32)
    gref = (g - g.mean((0, 2, 3), keepdims=True) - ref * (g * ref).mean((0, 2, 3), keepdims=True)) / std
    errors = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.batch_norm(xt, None, None, training=True)
        y.backward(lib.tensor(g))
        errors.append((np.abs(y.detach().numpy() - ref).max(), np.abs(xt.grad.numpy() - gref).max()))
    (e_out, e_grad), (t_out, t_grad) = errors
    assert e_out <= 1.5 * t_out + 1e-6
    assert e_grad <= 1.5 * t_grad + 1e-4 * np.abs(gref).max()


def test_cases_taken(monkeypatch):
    monkeypatch.setattr(_native, "enabled", True)
    assert _native_norm.takes(np.zeros((2, 3, 4, 4), np.float32))
    # float64, (N, C) inputs and rows shorter than a cache line stay on the NumPy kernels
    assert not _native_norm.takes(np.zeros((2, 3, 4, 4), np.float64))
    assert not _native_norm.takes(np.zeros((64, 120), np.float32))
    assert not _native_norm.takes(np.zeros((2, 3, 3, 5), np.float32))
    monkeypatch.setattr(_native, "enabled", False)
    assert not _native_norm.takes(np.zeros((2, 3, 4, 4), np.float32))


def test_compiled_kernels_are_used(monkeypatch):
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    calls = []
    for name in ("forward", "backward"):
        original = getattr(_native_norm, name)
        monkeypatch.setattr(_native_norm, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    bn = ember.nn.BatchNorm2d(4)
    bn(ember.randn(2, 4, 8, 8, requires_grad=True)).sum().backward()
    assert calls == ["forward", "backward"]


def test_threaded_channels_are_the_same_bits_every_run(path):
    bn = ember.nn.BatchNorm2d(32)
    x = ember.randn(64, 32, 16, 16, requires_grad=True)
    g = ember.randn(64, 32, 16, 16)
    results = []
    for _ in range(3):
        x.grad = bn.weight.grad = None
        y = bn(x)
        y.backward(g)
        results.append([a.detach().numpy().copy() for a in (y, x.grad, bn.weight.grad)])
    for later in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], later))


def test_second_order_gradients_use_the_graph(path):
    e, t = _pair("BatchNorm2d", {}, 3)
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
