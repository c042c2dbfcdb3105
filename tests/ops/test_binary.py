"""atan2, hypot, logaddexp and xlogy against PyTorch: values, gradients (with broadcasting), grad_fn names."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn

SHAPES = [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3,))]
OPS = {
    "atan2": lambda m, a, b: m.atan2(a, b), "arctan2": lambda m, a, b: a.arctan2(b),
    "hypot": lambda m, a, b: m.hypot(a, b), "logaddexp": lambda m, a, b: a.logaddexp(b),
    "xlogy": lambda m, a, b: m.xlogy(a, b.abs() + 0.1), "xlogy_method": lambda m, a, b: a.xlogy(b.abs() + 0.1),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name", OPS)
def test_binary_math(name, shapes, dtype):
    check(OPS[name], randn(*shapes[0], dtype=dtype), randn(*shapes[1], dtype=dtype, seed=1))


def test_xlogy_zeros_and_numbers():
    x = np.array([0.0, 0.0, 2.0, 0.0, 1.5])
    y = np.array([0.0, 3.0, 0.0, np.nan, 2.0])
    check(lambda m, a, b: m.xlogy(a, b), x, y)
    check(lambda m, a: m.xlogy(a, 2.0), x)
    check(lambda m, b: m.xlogy(3.0, b), np.abs(y) + 0.5)


@pytest.mark.parametrize("expr, name", [("m.atan2(x, x)", "Atan2Backward0"), ("m.hypot(x, x)", "HypotBackward0"),
                                        ("m.logaddexp(x, x)", "LogaddexpBackward0"),
                                        ("m.xlogy(x, x)", "XlogyBackward0"), ("m.xlogy(2.0, x)", "XlogyBackward1"),
                                        ("m.xlogy(x, 2.0)", "XlogyBackward2")])
def test_grad_fn_names(expr, name):
    for lib in (ember, torch):
        out = eval(expr, {"m": lib, "x": lib.ones(2, requires_grad=True)})
        assert (out.grad_fn.name() if lib is ember else type(out.grad_fn).__name__) == name


def test_integer_inputs_give_float():
    for lib in (ember, torch):
        out = lib.atan2(lib.tensor([1, 2]), lib.tensor([3, 4]))
        assert str(out.dtype).endswith("float32")


def test_inplace_atan2_and_hypot():
    check(lambda m, a, b: (a * 1).atan2_(b), randn(3), randn(3, seed=1))
    check(lambda m, a, b: (a * 1).hypot_(b), randn(3), randn(3, seed=1))


def test_no_numpy_warning_on_nan():
    x = ember.tensor([float("nan"), float("-inf")])
    with np.errstate(all="raise"):
        assert ember.logaddexp(x, x).isnan()[0]


def test_atan2_gradient_at_the_origin_is_zero():
    """At (0, 0), and where y*y + x*x underflows, PyTorch's gradient is 0 (signed as its formula gives), not NaN."""
    y = np.array([0.0, -0.0, 0.0, 1e-30, 0.0, np.inf], dtype=np.float32)
    x = np.array([0.0, 0.0, -0.0, 0.0, 1e-30, 0.0], dtype=np.float32)
    check(lambda m, a, b: m.atan2(a, b), y, x)
    grads = []
    for lib in (ember, torch):
        a, b = lib.zeros(2, requires_grad=True), lib.tensor([0.0, -0.0], requires_grad=True)
        lib.atan2(a, b).backward(lib.tensor([3.0, 3.0]))
        grads.append([np.signbit(g.numpy()).tolist() + g.numpy().tolist() for g in (a.grad, b.grad)])
    assert grads[0] == grads[1]
