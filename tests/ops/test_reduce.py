"""Reductions against PyTorch: dims (ints, tuples, negative), keepdim, ties, zeros, dtypes, gradients."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

DIMS = [None, 0, -1, (0, 2), (-1, 1), (), (0, 1, 2)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp", "var", "std", "norm"])
def test_multi_dim_reduction(name, dim, keepdim):
    if dim is None and name == "logsumexp":
        pytest.skip("logsumexp requires dim")
    kwargs = {} if dim is None else {"dim": dim}
    x = randn(2, 3, 4)
    try:
        getattr(torch, name)(torch.tensor(x), keepdim=keepdim, **kwargs)
    except (RuntimeError, TypeError) as torch_err:
        # torch refuses keepdim without dim (sum, mean), logsumexp(dim=(), keepdim=False) and a 3-dim 'fro' norm
        with pytest.raises(type(torch_err)) as err:
            getattr(ember, name)(ember.tensor(x), keepdim=keepdim, **kwargs)
        assert str(err.value).split("(")[0] == str(torch_err).split("(")[0]
        return
    # torch's var/std backward treats dim=() as "no dim reduced" (infinite gradients) while the forward reduces
    # every dim; ember is consistent and differentiates what the forward computed
    grad = not (dim == () and name in ("var", "std"))
    check(lambda m, x: getattr(m, name)(x, keepdim=keepdim, **kwargs), x, noncontiguous=True, grad=grad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "norm",
                                  "logsumexp"])
def test_full_reduction_method(name, dtype):
    args = (0,) if name == "logsumexp" else ()
    check(lambda m, x: getattr(x.reshape(-1), name)(*args), randn(3, 4, dtype=dtype))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim(name, dim, keepdim):
    out = check(lambda m, x: tuple(getattr(x, name)(dim, keepdim=keepdim)), randn(3, 4, 5))
    assert out[1].dtype == ember.int64


def test_max_dim_named_fields():
    x = ember.tensor([[1.0, 5.0], [7.0, 2.0]])
    result = x.max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert type(result).__module__ == "ember.return_types" and type(result).__name__ == "max"
    assert type(ember.min(x, 0)).__name__ == "min"


def test_max_dim_repr():
    r, t = ember.tensor([[1.0, 5.0]]).max(1), torch.tensor([[1.0, 5.0]]).max(1)
    assert repr(r) == repr(t).replace("torch", "ember")


TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [-1.0, -1.0, -1.0]])


@pytest.mark.parametrize("expr", [
    lambda m, x: x.max(), lambda m, x: x.min(), lambda m, x: x.amax(1), lambda m, x: x.amin(0),
    lambda m, x: tuple(x.max(1)), lambda m, x: tuple(x.min(0)), lambda m, x: x.amax((0, 1)),
    lambda m, x: x.norm(float("inf"), dim=1), lambda m, x: m.max(x, x.flip(0)),
])
def test_ties_share_or_pick_like_pytorch(expr):
    """Full max/min and amax/amin split the gradient among ties; max(dim) gives it to the returned index."""
    check(expr, TIES)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("args", [(), (0,), (1,), (-1, True), (None, True)], ids=str)
def test_argmax_argmin(name, args):
    check(lambda m, x: getattr(m, name)(x, *args), TIES, grad=False)
    check(lambda m, x: getattr(x, name)(*args), randn(3, 4), grad=False)


ZEROS = [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]]),
         np.array([[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]])]


@pytest.mark.parametrize("x", ZEROS, ids=["no_zero", "one_zero", "two_zeros"])
@pytest.mark.parametrize("args", [(), (0,), (1,), (1, True), (-1,)], ids=str)
def test_prod_with_zeros(x, args):
    check(lambda m, t: t.prod(*args), x)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": (0, 1), "correction": 0}, {"dim": 1, "unbiased": False},
                                    {"dim": -1, "correction": 2, "keepdim": True}, {"unbiased": True}], ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_correction(name, kwargs):
    check(lambda m, x: getattr(m, name)(x, **kwargs), randn(3, 4, 5))


def test_var_positional_unbiased_flag():
    check(lambda m, x: (x.var(False), x.std(0, False), x.var(1, True, True)), randn(3, 4))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf"), float("-inf"), "fro", 0])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)], ids=str)
def test_norm(p, dim):
    check(lambda m, x: m.norm(x, p=p, dim=dim), randn(3, 4) + 0.1)


def test_norm_of_zero_vector_has_zero_gradient():
    check(lambda m, x: (x * 0).norm(), randn(3))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logsumexp_with_infinities(dim):
    x = np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, 2.0, 3.0]])
    check(lambda m, t: m.logsumexp(t, dim), x, grad=False)
    check(lambda m, t: m.logsumexp(t * 1e3, dim), randn(3, 4))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    check(lambda m, x: x.cumsum(dim), randn(3, 4), noncontiguous=True)
    check(lambda m, x: m.cumsum(x, dim, dtype=m.float64), randn(3, 4, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "max", "amax", "argmax", "all", "any"])
def test_integer_reduction_dtype(name, dtype):
    """Sums and products of integers and bools accumulate in int64; max keeps the dtype."""
    data = np.array([[1, 0, 1], [1, 1, 1]]).astype(dtype)
    args = (0,) if name == "cumsum" else ()
    try:
        expected = getattr(torch.tensor(data), name)(*args)
    except RuntimeError as torch_err:
        with pytest.raises(RuntimeError) as err:
            getattr(ember.tensor(data), name)(*args)
        assert str(err.value) == str(torch_err)
        return
    assert_close(getattr(ember.tensor(data), name)(*args), expected)


@pytest.mark.parametrize("args", [(), (0,), (1, True), ((0, 1),), (-1,)], ids=str)
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name, args):
    data = np.array([[True, False, True], [True, True, True]])
    for d in (data, data.astype(np.float64)):
        assert_close(getattr(ember.tensor(d), name)(*args), getattr(torch.tensor(d), name)(*args))


def test_sum_dtype_argument():
    check(lambda m, x: x.sum(dtype=m.float64), randn(3, 4, dtype=np.float32))
    check(lambda m, x: m.sum(x, 0, dtype=m.float32), randn(3, 4), grad=False)


@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_floating_only_reductions_refuse_integers(name):
    with pytest.raises(RuntimeError) as torch_err:
        getattr(torch.tensor([1, 2]), name)()
    with pytest.raises(RuntimeError) as err:
        getattr(ember.tensor([1, 2]), name)()
    assert str(err.value) == str(torch_err.value)


def test_empty_max_needs_dim():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        ember.zeros(0).max()


def test_reduction_dim_out_of_range():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        ember.ones(2, 3).sum(2)


def test_zero_dim_reductions():
    check(lambda m, x: (x.sum(0), x.mean(-1), x.max(0)[0], x.amax(0), x.argmax(0), x.logsumexp(0)), np.array(1.5))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax(name, dim, dtype):
    check(lambda m, x: getattr(m, name)(x, dim), randn(3, 4, 5, dtype=dtype) * 10, noncontiguous=True)
    check(lambda m, x: getattr(x, name)(dim=dim), randn(3, 4, 5, dtype=dtype))


def test_softmax_dtype_argument_and_extreme_values():
    check(lambda m, x: m.softmax(x, 1, dtype=m.float64), randn(2, 3, dtype=np.float32))
    check(lambda m, x: m.log_softmax(x, 0), np.array([1000.0, -1000.0, 0.0]))
    check(lambda m, x: m.softmax(x, 0), np.array([-np.inf, 0.0, 1.0]), grad=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_an_all_minus_inf_row_is_nan_without_warning(name):
    x = np.array([[-np.inf, -np.inf, -np.inf], [1.0, 2.0, 3.0]])
    with np.errstate(all="raise"):  # a NumPy floating-point warning would raise here
        check(lambda m, a: getattr(a, name)(1), x)
        check(lambda m, a: m.nn.Softmax(dim=1)(a), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dims, keepdim", [((-1,), False), ((1, 2), True), ((2, 1), False), ((-2, -1), True)])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_short_trailing_rows_reduce_as_torch(dtype, dims, keepdim, name):
    # many short rows (a global average pool): the row-sum path, NaN and infinities included
    x = randn(70, 6, 5).astype(dtype)
    x[3, 0, 0], x[4, 1, 1], x[5, 2, 2] = np.nan, np.inf, -np.inf
    check(lambda lib, t: getattr(t, name)(dims, keepdim=keepdim), x)
