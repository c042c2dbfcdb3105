"""Comparisons and logical ops against PyTorch: bool results, promotion, broadcasting, no gradient."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

BINARY = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
          "logical_and", "logical_or", "logical_xor"]
OPERATORS = ["==", "!=", "<", "<=", ">", ">="]


def _data(dtype, seed):
    return (np.random.default_rng(seed).integers(-2, 3, (3, 4)) % (2 if dtype == "bool" else 5)).astype(dtype)


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "int64"), ("int64", "int32"), ("bool", "bool"),
                                    ("uint8", "int8"), ("bool", "float32")], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary(name, dtypes):
    a, b = _data(dtypes[0], 0), _data(dtypes[1], 1)[0]
    scalars = () if name.startswith("logical") else (2, 1.5, True)
    for other in (b,) + scalars:
        e = getattr(ember, name)(ember.tensor(a), ember.tensor(other) if isinstance(other, np.ndarray) else other)
        t = getattr(torch, name)(torch.tensor(a), torch.tensor(other) if isinstance(other, np.ndarray) else other)
        assert_close(e, t)


@pytest.mark.parametrize("op", OPERATORS)
def test_operators_with_scalar_on_either_side(op):
    out = check(lambda m, x: (eval(f"x {op} 0.5"), eval(f"0.5 {op} x"), eval(f"x {op} x.flip(0)")), randn(3, 4))
    assert all(o.dtype == ember.bool and not o.requires_grad for o in out)


@pytest.mark.parametrize("name", ["logical_not", "isnan", "isinf", "isfinite", "bitwise_not"])
@pytest.mark.parametrize("dtype", ["float64", "int64", "bool"])
def test_unary(name, dtype):
    data = np.array([0.0, -1.0, np.nan, np.inf, 2.5]) if dtype == "float64" else np.array([0, 1, 0, 3]).astype(dtype)
    try:
        expected = getattr(torch, name)(torch.tensor(data))
    except (RuntimeError, NotImplementedError) as torch_err:
        with pytest.raises(type(torch_err)):
            getattr(ember, name)(ember.tensor(data))
        return
    assert_close(getattr(ember, name)(ember.tensor(data)), expected)


@pytest.mark.parametrize("op", ["&", "|", "^", "~"])
@pytest.mark.parametrize("dtype", ["bool", "int64", "uint8"])
def test_bitwise_operators(op, dtype):
    a, b = _data(dtype, 0), _data(dtype, 1)
    code = f"~x" if op == "~" else f"(x {op} y, x {op} 1, 1 {op} x)"
    e = eval(code, {"x": ember.tensor(a), "y": ember.tensor(b)})
    t = eval(code, {"x": torch.tensor(a), "y": torch.tensor(b)})
    for ei, ti in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
        assert_close(ei, ti)


def test_bitwise_on_floats_is_an_error():
    with pytest.raises(NotImplementedError) as torch_err:
        torch.ones(2) & torch.ones(2)
    with pytest.raises(NotImplementedError) as err:
        ember.ones(2) & ember.ones(2)
    assert str(err.value) == str(torch_err.value)


@pytest.mark.parametrize("pair", [([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, 2.5]), ([1.0], [1.0, 1.0]),
                                  ([1, 2], [1.0, 2.0])], ids=str)
def test_equal(pair):
    assert ember.equal(ember.tensor(pair[0]), ember.tensor(pair[1])) == torch.equal(torch.tensor(pair[0]),
                                                                                     torch.tensor(pair[1]))


@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1}, {"atol": 1e-3}, {"equal_nan": True}], ids=str)
def test_allclose_isclose(kwargs):
    a, b = np.array([1.0, 2.0, np.nan, 1e-9]), np.array([1.05, 2.0, np.nan, 0.0])
    assert ember.allclose(ember.tensor(a), ember.tensor(b), **kwargs) == torch.allclose(torch.tensor(a),
                                                                                        torch.tensor(b), **kwargs)
    assert_close(ember.isclose(ember.tensor(a), ember.tensor(b), **kwargs),
                 torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs))


def test_comparison_broadcast_error():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
                                           r"non-singleton dimension 1"):
        ember.ones(2, 3) < ember.ones(2, 4)


def test_tensor_in_and_bool():
    x = ember.tensor([1, 2, 3])
    assert 2 in x and 5 not in x
    assert bool(ember.tensor([0.5])) and not bool(ember.tensor(0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(x)
