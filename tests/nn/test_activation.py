"""Activation layers and their functional forms against PyTorch: values, gradients (also at kinks, thresholds
and large |x|), in-place variants, reprs, grad_fn names and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, randn

# kinks and thresholds of every activation below, plus large magnitudes
TRICKY = np.array([-1000., -30., -20.5, -3., -1., -0.5, -0.25, 0., 0.25, 0.5, 1., 3., 6., 20.5, 30., 1000.])

# (class name, constructor kwargs); every one is compared module-to-module with torch
MODULES = [
    ("ELU", {}), ("ELU", dict(alpha=0.5)), ("Hardshrink", {}), ("Hardshrink", dict(lambd=1.0)), ("Hardsigmoid", {}),
    ("Hardtanh", {}), ("Hardtanh", dict(min_val=-2.0, max_val=3.0)), ("Hardswish", {}), ("LeakyReLU", {}),
    ("LeakyReLU", dict(negative_slope=0.2)), ("LogSigmoid", {}), ("PReLU", {}), ("PReLU", dict(init=-0.5)),
    ("ReLU", {}), ("ReLU6", {}), ("SELU", {}), ("CELU", {}), ("CELU", dict(alpha=2.0)), ("GELU", {}),
    ("GELU", dict(approximate="tanh")), ("Sigmoid", {}), ("SiLU", {}), ("Mish", {}), ("Softplus", {}),
    ("Softplus", dict(beta=2.0, threshold=5.0)), ("Softshrink", {}), ("Softshrink", dict(lambd=1.0)),
    ("Softsign", {}), ("Tanh", {}), ("Tanhshrink", {}), ("Threshold", dict(threshold=0.5, value=-7.0)),
    ("GLU", {}), ("GLU", dict(dim=0)), ("Softmax", dict(dim=1)), ("Softmin", dict(dim=0)),
    ("LogSoftmax", dict(dim=-1)), ("Softmax2d", {}),
]


def _pair(name, kwargs, dtype):
    e, t = getattr(ember.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    if dtype == np.float64:
        e, t = e.double(), t.double()
    return e, t


def _input(name, dtype):
    if name == "Softmax2d":
        return randn(2, 3, 2, 4, dtype=dtype) * 3
    return np.stack([TRICKY, randn(16, seed=1) * 4]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kwargs", MODULES, ids=lambda v: str(v))
def test_module_matches_torch(name, kwargs, dtype):
    e, t = _pair(name, kwargs, dtype)
    out = check_module(e, t, _input(name, dtype))
    assert out[0].dtype == (ember.float32 if dtype == np.float32 else ember.float64)


@pytest.mark.parametrize("name,kwargs", MODULES, ids=lambda v: str(v))
def test_grad_fn_name(name, kwargs):
    e, t = _pair(name, kwargs, np.float64)
    x = _input(name, np.float64)
    ye = e(ember.tensor(x, requires_grad=True))
    yt = t(torch.tensor(x, requires_grad=True))
    assert ye.grad_fn.name() == yt.grad_fn.name()


INPLACE = [("ReLU", {}), ("ReLU6", {}), ("ELU", {}), ("SELU", {}), ("CELU", dict(alpha=1.5)), ("LeakyReLU", {}),
           ("Hardtanh", {}), ("Threshold", dict(threshold=0.1, value=2.0)), ("Hardsigmoid", {}), ("Hardswish", {}),
           ("SiLU", {}), ("Mish", {})]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=lambda v: str(v))
def test_inplace_module(name, kwargs):
    """In place on a non-leaf: the input tensor itself is returned and overwritten; values, grads, grad_fn match."""
    x = np.stack([TRICKY[2:-2], randn(12, seed=2)])
    grads = {}
    for lib in (ember, torch):
        m = getattr(lib.nn, name)(inplace=True, **kwargs).double()
        leaf = lib.tensor(x, requires_grad=True)
        h = leaf * 1
        out = m(h)
        assert out is h
        grads[lib.__name__] = (out, out.grad_fn.name())
        out.backward(lib.tensor(randn(*x.shape, seed=3)))
        grads[lib.__name__] += (leaf.grad,)
    (eo, en, eg), (to, tn, tg) = grads["ember"], grads["torch"]
    assert en == tn
    assert_close(eo, to)
    assert_close(eg, tg)


@pytest.mark.parametrize("fn,args", [("relu_", ()), ("elu_", ()), ("leaky_relu_", (0.1,)), ("hardtanh_", (-0.5, 0.5)),
                                     ("threshold_", (0.2, -1.0)), ("selu_", ()), ("celu_", (2.0,))])
def test_functional_inplace(fn, args):
    x = np.stack([TRICKY[2:-2], randn(12, seed=4)])
    results = []
    for lib in (ember, torch):
        leaf = lib.tensor(x, requires_grad=True)
        h = leaf * 1
        out = getattr(lib.nn.functional, fn)(h, *args)
        assert out is h
        out.sum().backward()
        results.append((out, out.grad_fn.name(), leaf.grad))
    assert results[0][1] == results[1][1]
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][2], results[1][2])


def test_inplace_on_leaf_requiring_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.nn.functional.relu_(ember.randn(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.nn.ELU(inplace=True)(ember.randn(3, requires_grad=True))


def test_inplace_without_grad_writes_storage():
    x = ember.tensor([-1.0, 2.0])
    ember.nn.functional.relu_(x)
    assert x.tolist() == [0.0, 2.0]
    assert x._version == 1


@pytest.mark.parametrize("fn,kwargs", [
    ("relu6", {}), ("logsigmoid", {}), ("softplus", {}), ("softplus", dict(beta=0.5, threshold=10)), ("elu", {}),
    ("selu", {}), ("celu", {}), ("silu", {}), ("mish", {}), ("gelu", {}), ("gelu", dict(approximate="tanh")),
    ("hardswish", {}), ("hardsigmoid", {}), ("softsign", {}), ("tanhshrink", {}), ("softmin", dict(dim=1)),
    ("leaky_relu", dict(negative_slope=0.3)), ("rrelu", dict(training=False)), ("hardshrink", dict(lambd=0.25)),
    ("softshrink", dict(lambd=0.25)), ("threshold", dict(threshold=-0.5, value=4.0)),
    ("hardtanh", dict(min_val=-0.5, max_val=0.25)), ("glu", dict(dim=1)),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_matches_torch(fn, kwargs, dtype):
    x = np.stack([TRICKY, randn(16, seed=5) * 3]).astype(dtype)
    out = check(lambda lib, t: getattr(lib.nn.functional, fn)(t, **kwargs), x)
    assert np.all(np.isfinite(out[0].detach().numpy()))


def test_softplus_and_logsigmoid_are_stable_at_large_magnitude():
    x = np.array([-1e4, -100.0, -30.0, 30.0, 100.0, 1e4], dtype=np.float32)
    check(lambda lib, t: lib.nn.functional.logsigmoid(t), x)
    check(lambda lib, t: lib.nn.functional.softplus(t), x)
    # above PyTorch's default threshold its float32 exp overflows to inf; ember stays exact (log1p form)
    y = ember.nn.functional.softplus(ember.tensor(x), beta=1, threshold=1e5)
    np.testing.assert_allclose(y.numpy(), np.logaddexp(0, x.astype(np.float64)), rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("fn,kwargs", [("elu", {}), ("gelu", {}), ("gelu", dict(approximate="tanh")), ("silu", {}),
                                       ("mish", {}), ("softplus", dict(beta=2.0)), ("logsigmoid", {}),
                                       ("hardswish", {}), ("celu", dict(alpha=0.5)), ("glu", {})])
def test_double_backward(fn, kwargs):
    x = randn(2, 6, seed=6) * 2
    results = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, fn)(t, **kwargs)
        (g,) = lib.autograd.grad((y * y).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), t)
        results.append(gg)
    assert_close(*results)


def test_prelu_per_channel():
    for shape in [(2, 3), (2, 3, 4), (2, 3, 2, 2)]:
        e, t = ember.nn.PReLU(3, init=0.1).double(), torch.nn.PReLU(3, init=0.1).double()
        check_module(e, t, randn(*shape, seed=7))
    check_module(ember.nn.PReLU().double(), torch.nn.PReLU().double(), randn(5, seed=8))


def test_prelu_channel_mismatch():
    with pytest.raises(RuntimeError, match=r"^Mismatch of parameter numbers and input channel size\. Found "
                                           r"parameter numbers = 3 and channel size = 4\."):
        ember.nn.PReLU(3)(ember.randn(2, 4))
    with pytest.raises(RuntimeError, match="parameter numbers = 3 and channel size = 1"):
        ember.nn.PReLU(3)(ember.randn(3))


def test_prelu_parameter():
    m = ember.nn.PReLU(4, init=0.3)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert m.weight.shape == (4,) and np.allclose(m.weight.detach().numpy(), 0.3)


def test_rrelu_training_draws_slopes_in_range():
    ember.manual_seed(0)
    m = ember.nn.RReLU(0.1, 0.3)
    x = ember.tensor(-np.abs(randn(2000)) - 0.01, requires_grad=True)
    y = m(x)
    slopes = (y / x).detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    pos = ember.tensor([1.0, 2.0])
    assert m(pos).tolist() == [1.0, 2.0]


def test_rrelu_eval_uses_mean_slope():
    m = ember.nn.RReLU(0.1, 0.3).eval()
    assert m(ember.tensor([-1.0, 2.0])).tolist() == pytest.approx([-0.2, 2.0])
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        ember.nn.functional.rrelu(ember.randn(2), 0.5, 0.1, training=True)


REPRS = [
    ("ReLU", {}), ("ReLU", dict(inplace=True)), ("ReLU6", dict(inplace=True)), ("ELU", dict(alpha=2.0)),
    ("ELU", dict(inplace=True)), ("LeakyReLU", {}), ("LeakyReLU", dict(negative_slope=0.2, inplace=True)),
    ("Softplus", {}), ("Softplus", dict(beta=2, threshold=10)), ("Hardtanh", dict(min_val=-2, max_val=3)),
    ("Hardtanh", {}), ("RReLU", {}), ("RReLU", dict(lower=0.1, upper=0.3, inplace=True)),
    ("Threshold", dict(threshold=0.1, value=20)), ("Threshold", dict(threshold=0.1, value=20, inplace=True)),
    ("PReLU", {}), ("PReLU", dict(num_parameters=3)), ("GELU", {}), ("GELU", dict(approximate="tanh")),
    ("Hardshrink", {}), ("Softshrink", dict(lambd=0.3)), ("CELU", dict(alpha=2.0, inplace=True)), ("SELU", {}),
    ("SELU", dict(inplace=True)), ("SiLU", dict(inplace=True)), ("Mish", {}), ("Hardswish", dict(inplace=True)),
    ("Hardsigmoid", {}), ("GLU", {}), ("Softmax", {}), ("Softmax", dict(dim=1)), ("Softmin", dict(dim=0)),
    ("LogSoftmax", dict(dim=1)), ("Softmax2d", {}), ("Sigmoid", {}), ("Tanh", {}), ("LogSigmoid", {}),
    ("Softsign", {}), ("Tanhshrink", {}),
]


@pytest.mark.parametrize("name,kwargs", REPRS, ids=lambda v: str(v))
def test_repr(name, kwargs):
    assert repr(getattr(ember.nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))


def test_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(ember.tensor(1.0))
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        ember.nn.Softmax2d()(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(ember.randn(2), approximate="foo")
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.elu(ember.tensor([1, -2]))
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(ember.randn(2), 1.0, -1.0)


def test_integer_inputs_where_torch_accepts_them():
    F = ember.nn.functional
    for fn, args in [("relu", ()), ("hardtanh", ()), ("threshold", (1.5, 0))]:
        x = [1, -2, 3]
        e = getattr(F, fn)(ember.tensor(x), *args)
        t = getattr(torch.nn.functional, fn)(torch.tensor(x), *args)
        assert_close(e, t)


def test_softmin_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ember.nn.functional.softmin(ember.randn(2, 3))


def test_gumbel_softmax():
    ember.manual_seed(1)
    logits = ember.tensor(randn(4, 5), requires_grad=True)
    soft = ember.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1.0)
    hard = ember.nn.functional.gumbel_softmax(logits, hard=True, dim=1)
    h = hard.detach().numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and np.all(h.sum(1) == 1)
    assert hard.grad_fn.name() == "AddBackward0"
    hard.sum().backward()
    assert logits.grad is not None and np.allclose(logits.grad.numpy(), 0, atol=1e-6)
