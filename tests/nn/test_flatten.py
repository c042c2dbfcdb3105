"""Flatten and Unflatten against PyTorch: shapes, values, gradients, grad_fn names, reprs and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import check_module, randn


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("args,shape", [((), (2, 3, 4, 5)), ((0,), (2, 3, 4)), ((1, 2), (2, 3, 4, 5)),
                                        ((-3, -2), (2, 3, 4, 5)), ((), (2, 3)), ((0, -1), (6,))])
def test_flatten_matches_torch(args, shape, dtype):
    e, t = ember.nn.Flatten(*args), torch.nn.Flatten(*args)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert repr(e) == repr(t)
    x = ember.tensor(randn(*shape), requires_grad=True) * 1
    xt = torch.tensor(randn(*shape), requires_grad=True) * 1
    assert e(x).grad_fn.name() == t(xt).grad_fn.name()
    assert out[0].shape == t(torch.tensor(randn(*shape))).shape


def test_flatten_of_one_dim_range_returns_input():
    x = ember.randn(2, 3)
    assert ember.nn.Flatten()(x) is x


def test_flatten_is_a_view():
    x = ember.randn(2, 3, 4)
    y = ember.nn.Flatten()(x)
    y[0, 0] = 100.0
    assert x[0, 0, 0].item() == 100.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim,sizes,shape", [(1, (2, 3), (4, 6)), (-1, (2, -1), (4, 6)), (0, [2, 2], (4, 3)),
                                             (1, (1, 6, 1), (2, 6))])
def test_unflatten_matches_torch(dim, sizes, shape, dtype):
    e, t = ember.nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    check_module(e, t, randn(*shape, dtype=dtype))
    assert repr(e) == repr(t)
    x = ember.tensor(randn(*shape), requires_grad=True)
    assert e(x).grad_fn.name() == t(torch.tensor(randn(*shape), requires_grad=True)).grad_fn.name()


def test_flatten_unflatten_round_trip():
    x = ember.randn(2, 3, 4, 5)
    y = ember.nn.Unflatten(1, (3, 4, 5))(ember.nn.Flatten()(x))
    assert y.shape == x.shape and np.array_equal(y.numpy(), x.numpy())


def test_errors():
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints, but found element of type float at "
                                        "pos 1"):
        ember.nn.Unflatten(1, (2, 3.0))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        ember.nn.Unflatten(1, 6)
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[2, 3\] don't multiply up to the size of dim "
                                           r"1 \(5\)"):
        ember.nn.Unflatten(1, (2, 3))(ember.randn(2, 5))
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        ember.nn.Flatten(2, 1)(ember.randn(2, 5, 3))
