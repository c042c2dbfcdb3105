"""cumprod (zeros included, double backward), cummax and cummin against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

ZEROS = np.array([[2.0, 0.0, 3.0, 0.5], [1.5, -2.0, 0.5, 4.0], [0.0, 2.0, 0.0, 3.0]])
TIES = np.array([[1.0, 3.0, 3.0, 2.0], [1.0, 1.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("data", ["random", "zeros"])
def test_cumprod(data, dim, dtype):
    x = randn(3, 4, dtype=dtype) if data == "random" else ZEROS.astype(dtype)
    check(lambda m, a: m.cumprod(a, dim), x)
    check(lambda m, a: a.cumprod(dim), x, noncontiguous=True)


@pytest.mark.parametrize("x", [randn(5), ZEROS[0], ZEROS[2]], ids=["random", "one_zero", "two_zeros"])
def test_cumprod_double_backward(x):
    grads = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad((t.cumprod(0) * lib.tensor(x + 1)).sum(), t, create_graph=True)
        grads.append(lib.autograd.grad((g * g).sum(), t)[0])
    assert_close(*grads)


def test_cumprod_dtypes_and_name():
    assert ember.tensor([1, 2, 3]).cumprod(0).dtype == ember.int64
    assert ember.tensor([True, False]).cumprod(0).dtype == ember.int64
    assert ember.ones(2).cumprod(0, dtype=ember.float64).dtype == ember.float64
    assert ember.ones(2, requires_grad=True).cumprod(0).grad_fn.name() == "CumprodBackward0"
    check(lambda m, a: a.cumprod(0), np.array(2.5))


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin(op, dim):
    for x in (randn(3, 4), TIES):
        out = check(lambda m, a: tuple(getattr(m, op)(a, dim)), x)
        assert type(out[0]).__name__ == "Tensor"
    e = getattr(ember.ones(2, requires_grad=True), op)(0)
    assert e.values.grad_fn.name() == op.capitalize() + "Backward0" and e.indices.dtype == ember.int64
    assert repr(e).startswith(f"ember.return_types.{op}(")


def test_inplace_cumprod():
    check(lambda m, a: (a * 1).cumprod_(1), randn(3, 4))
