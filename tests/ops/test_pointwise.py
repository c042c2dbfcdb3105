"""Unary elementwise ops, clamp and where against PyTorch: values, gradients, dtypes of integer inputs."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

REAL = ["neg", "abs", "sign", "exp", "exp2", "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "atan", "sinh",
        "cosh", "square", "erf", "floor", "ceil", "trunc", "round", "frac", "reciprocal", "sinc"]
POSITIVE = ["log", "log2", "log10", "log1p", "sqrt", "rsqrt"]
UNIT = ["asin", "acos"]


def _input(name, shape, dtype):
    x = randn(*shape, dtype=dtype)
    if name in POSITIVE:
        x = np.abs(x) + 0.5
    elif name in UNIT:
        x = np.tanh(x) * 0.9
    elif name in ("tan", "reciprocal"):
        x = np.clip(x, -1.2, 1.2) + np.where(x >= 0, 0.1, -0.1)
    return np.asarray(x, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", REAL + POSITIVE + UNIT)
def test_unary(name, shape, dtype):
    check(lambda m, x: getattr(m, name)(x), _input(name, shape, dtype))


@pytest.mark.parametrize("name", REAL + POSITIVE + UNIT)
def test_unary_method_noncontiguous(name):
    check(lambda m, x: getattr(x, name)(), _input(name, (3, 4), np.float64), noncontiguous=True)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "sigmoid", "tanh", "relu", "abs", "neg", "sign",
                                  "square", "floor", "round", "reciprocal", "rsqrt", "log1p", "expm1", "erf"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unary_integer_input_dtype(name, dtype):
    """Integer inputs either stay integer (abs, neg, relu, sign, floor, ...) or become the default float."""
    data = np.array([0, 1, 2, 3]).astype(dtype)
    try:
        expected = getattr(torch, name)(torch.tensor(data))
    except (RuntimeError, NotImplementedError) as torch_err:
        with pytest.raises(type(torch_err)):
            getattr(ember, name)(ember.tensor(data))
        return
    assert_close(getattr(ember, name)(ember.tensor(data)), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "abs_",
                                  "neg_", "sign_", "floor_", "round_", "reciprocal_", "rsqrt_", "log1p_", "expm1_",
                                  "square_", "erf_", "trunc_", "ceil_"])
def test_unary_inplace_in_graph(name):
    """``y = x * 2; y.op_(); (y * x)`` gives PyTorch's gradients, whether the op saves its input or output."""
    check(lambda m, x: getattr(x * 2, name)() * x, np.abs(randn(3, 4)) + 0.5)


BOUNDS = [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0, 0), (1.0, -1.0)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bounds", BOUNDS, ids=str)
def test_clamp_numbers(bounds, dtype):
    lo, hi = bounds
    check(lambda m, x: (m.clamp(x, lo, hi), m.clip(x, min=lo, max=hi), x.clamp(lo, hi)), randn(4, 5, dtype=dtype),
          noncontiguous=True)


@pytest.mark.parametrize("which", ["min", "max", "both"])
def test_clamp_tensor_bounds(which):
    def fn(m, x, lo, hi):
        return m.clamp(x, lo if which != "max" else None, hi if which != "min" else None)

    check(fn, randn(3, 4), randn(4, seed=1) - 0.5, randn(3, 1, seed=2) + 0.5)


@pytest.mark.parametrize("fn", [lambda m, x: x.clamp_min(0.2), lambda m, x: m.clamp_max(x, -0.1),
                                lambda m, x: (x * 1).clamp_min_(0.0) * x, lambda m, x: m.clamp_min(x, m.zeros(4) + 0.1)])
def test_clamp_min_max(fn):
    check(fn, randn(3, 4))


def test_clamp_exact_ties_pass_gradient():
    check(lambda m, x: x.clamp(-1.0, 1.0), np.array([-1.0, 0.0, 1.0, 2.0, -3.0]))


@pytest.mark.parametrize("args", [(0.5, None), (2, 5), (2.5, 4)], ids=str)
def test_clamp_integer_dtype(args):
    data = np.array([0, 3, 6, 9])
    assert_close(ember.clamp(ember.tensor(data), *args), torch.clamp(torch.tensor(data), *args))


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(ember.ones(2))


def test_clamp_inplace_in_graph():
    check(lambda m, x: (x * 1).clamp_(-0.5, 0.5) * x, randn(3, 4))
    check(lambda m, x: (x * 1).clip_(max=0.1) * x, randn(3, 4))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 1, 4), (3, 4), ())],
                         ids=str)
def test_where(shapes):
    cond = randn(*shapes[0], seed=5) > 0
    check(lambda m, a, b: m.where(m.tensor(cond), a, b), randn(*shapes[1]), randn(*shapes[2], seed=1))
    check(lambda m, a, b: a.where(m.tensor(cond), b), randn(*shapes[1]), randn(*shapes[2], seed=1))


@pytest.mark.parametrize("other", [0, 1.5, -2], ids=str)
def test_where_scalar_operand(other):
    check(lambda m, x: (m.where(x > 0, x, other), m.where(x > 0, other, x)), randn(3, 4), noncontiguous=True)


@pytest.mark.parametrize("dtypes", [("int64", 1.5), ("int64", 2), ("float32", "float64"), ("int32", "int64"),
                                    ("float32", 2)], ids=str)
def test_where_promotes(dtypes):
    def make(lib, d):
        return lib.tensor(np.array([1, 2, 3]).astype(d)) if isinstance(d, str) else d

    cond = np.array([True, False, True])
    assert_close(ember.where(ember.tensor(cond), make(ember, dtypes[0]), make(ember, dtypes[1])),
                 torch.where(torch.tensor(cond), make(torch, dtypes[0]), make(torch, dtypes[1])))


def test_where_single_argument_is_nonzero():
    x = np.array([[0, 1], [2, 0]])
    for e, t in zip(ember.where(ember.tensor(x)), torch.where(torch.tensor(x))):
        assert_close(e, t)


def test_where_needs_bool_condition():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        ember.where(ember.ones(2), ember.ones(2), ember.zeros(2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erf_matches_math_erf_over_a_wide_range(dtype):
    import math

    xs = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 30, 2000), -np.geomspace(1e-30, 1e3, 500),
                         [0.0, -0.0, 0.46875, -0.46875, 4.0, -4.0, 27.0, 1e300, np.inf, -np.inf, np.nan]]).astype(dtype)
    got = ember.erf(ember.tensor(xs)).numpy()
    assert got.dtype == dtype
    exact = np.array([math.erf(float(v)) for v in xs])
    if dtype == np.float64:
        finite = np.isfinite(exact)
        ulps = np.abs(got[finite] - exact[finite]) / np.spacing(np.abs(exact[finite]))
        assert ulps.max() <= 4
    else:
        np.testing.assert_array_equal(got[~np.isnan(xs)], exact.astype(dtype)[~np.isnan(xs)])
    assert np.isnan(got[-1]) and np.signbit(got[xs == 0]).tolist() == np.signbit(xs[xs == 0]).tolist()


def test_sinc_at_zero_and_double_backward():
    check(lambda m, a: m.sinc(a), np.array([0.0, 0.5, -1.0, 2.25]))
    grads = []
    for lib in (ember, torch):  # away from 0, where PyTorch's second derivative is NaN
        t = lib.tensor([0.3, 0.5, -1.0, 2.25], requires_grad=True)
        (g,) = lib.autograd.grad(t.sinc().sum(), t, create_graph=True)
        grads.append(lib.autograd.grad(g[1:].sum(), t)[0])
    assert_close(*grads)
