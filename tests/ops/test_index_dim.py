"""index_add, index_copy, index_fill, masked_scatter, take and take_along_dim against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn, same_error

CALLS = {
    "index_add": lambda m, x, s: x.index_add(0, m.tensor([2, 0]), s),
    "index_add_repeat_alpha": lambda m, x, s: m.index_add(x, 0, m.tensor([1, 1]), s, alpha=-2.5),
    "index_add_dim1": lambda m, x, s: x.index_add(1, m.tensor([3, 0]), s.t()[:3]),
    "index_copy": lambda m, x, s: x.index_copy(0, m.tensor([2, 0]), s),
    "index_fill": lambda m, x, s: x.index_fill(1, m.tensor([0, 2]), -1.5) * s.sum(),
    "index_fill_tensor": lambda m, x, s: x.index_fill(0, m.tensor([1]), s[0, 0]),
    "masked_scatter": lambda m, x, s: x.masked_scatter(x > 0, s),
    "masked_scatter_broadcast": lambda m, x, s: x.masked_scatter(m.tensor([True, False, True, True]), m.cat([s, s])),
    "take": lambda m, x, s: x.take(m.tensor([[0, 11], [5, -1]])) * s[0, :2],
    "take_along_dim": lambda m, x, s: m.take_along_dim(x, m.tensor([[0], [3], [1]]), dim=1),
    "take_along_dim_broadcast": lambda m, x, s: x.take_along_dim(m.tensor([[0, 2, 1, 1]]), dim=0),
    "take_along_dim_flat": lambda m, x, s: m.take_along_dim(x, m.tensor([0, 7, 7])),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CALLS)
def test_against_torch(name, dtype):
    check(CALLS[name], randn(3, 4, dtype=dtype), randn(2, 4, dtype=dtype, seed=1))


@pytest.mark.parametrize("expr, name", [
    ("x.index_add(0, m.tensor([0]), x[:1])", "IndexAddBackward0"),
    ("x.index_copy(0, m.tensor([0]), x[:1])", "IndexCopyBackward0"),
    ("x.index_fill(0, m.tensor([0]), 1.0)", "IndexFillBackward0"),
    ("x.index_fill(0, m.tensor([0]), m.tensor(1.0))", "IndexFillBackward1"),
    ("x.masked_scatter(x > 0, x)", "MaskedScatterBackward0"), ("x.take(m.tensor([0]))", "TakeBackward0"),
])
def test_grad_fn_names_and_edges(expr, name):
    edges = []
    for lib in (ember, torch):
        out = eval(expr, {"m": lib, "x": lib.ones(2, 3, requires_grad=True)})
        assert (out.grad_fn.name() if lib is ember else type(out.grad_fn).__name__) == name
        edges.append(len(out.grad_fn.next_functions))
    assert edges[0] == edges[1]


@pytest.mark.parametrize("name", ["index_add_", "index_copy_"])
def test_inplace(name):
    check(lambda m, x, s: getattr(x * 1, name)(0, m.tensor([2, 0]), s), randn(3, 4), randn(2, 4, seed=1))
    check(lambda m, x: (x * 1).index_fill_(0, m.tensor([1]), 2.0), randn(3, 4))
    check(lambda m, x, s: (x * 1).masked_scatter_(x > 0, s), randn(3, 4), randn(3, 4, seed=1))


def test_errors():
    same_error(lambda m: m.ones(3).index_add(0, m.tensor([0.0]), m.ones(1)), "int32/int64")
    same_error(lambda m: m.ones(3).masked_scatter(m.ones(3) > 0, m.ones(2)), "source < number of ones in mask")
    same_error(lambda m: m.ones(3).index_copy(0, m.tensor([5]), m.ones(1)), "out of bounds for dimension 0")
    same_error(lambda m: m.ones(3).take(m.tensor([5])), "out of range")
