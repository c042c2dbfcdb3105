"""Indexing against PyTorch: __getitem__ / __setitem__ with every index kind, gather/scatter family, masks."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

MASK = randn(3, 4, 5, seed=7) > 0


def _keys(m):
    """The same index expressions built with library ``m`` (tensor indices must come from that library)."""
    return {
        "int": 1, "neg_int": -1, "slice": slice(1, None), "step": slice(None, None, 2), "neg_slice": slice(-2, None),
        "step_tuple": (slice(None), slice(None, None, 3)), "int_tuple": (0, 2), "mixed": (1, slice(1, 3), -1),
        "ellipsis": (Ellipsis, 1), "ellipsis_mid": (0, Ellipsis, slice(None, 2)), "none": None,
        "none_tuple": (slice(None), None, 1), "list": [0, 2], "list_repeat": [2, 0, 2, 2],
        "list_neg": [-1, 0], "tensor": m.tensor([2, 1]), "tensor_2d": m.tensor([[0, 1], [2, 2]]),
        "tensor_0d": m.tensor(1), "two_arrays": (m.tensor([0, 2]), m.tensor([1, 3])),
        "array_slice_array": (m.tensor([0, 2]), slice(None), m.tensor([1, 4])),
        "slice_array": (slice(None), [1, 3, 3]), "bool_mask": m.tensor(MASK), "bool_mask_2d": m.tensor(MASK[..., 0]),
        "bool_row_mask": m.tensor([True, False, True]), "bool_and_int": (m.tensor([True, False, True]), 1),
        "list_of_lists": [[0, 1], [1, 2]], "int32_tensor": m.tensor([0, 2], dtype=m.int32),
        "uint8_as_mask": m.tensor([1, 0, 1], dtype=m.uint8) if m is torch else m.tensor([True, False, True]),
        "ellipsis_none": (Ellipsis, None), "empty_list": [], "bool_scalar": True,
    }


KEYS = list(_keys(torch))


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_getitem(key, noncontiguous):
    if key == "uint8_as_mask":
        pytest.skip("uint8 masks are deprecated in PyTorch")
    check(lambda m, x: x[_keys(m)[key]], randn(3, 4, 5), noncontiguous=noncontiguous)


@pytest.mark.parametrize("key", KEYS)
def test_setitem_plain(key):
    """Writes in place with broadcasting, on tensors outside any graph."""
    def fn(m, x):
        x = x.clone()
        x[_keys(m)[key]] = 7.5
        y = x.clone()
        target = y[_keys(m)[key]]
        y[_keys(m)[key]] = m.arange(target.shape[-1] if target.ndim else 1, dtype=m.float64).reshape(-1) \
            if target.ndim else 2.0
        return x, y

    if key == "uint8_as_mask":
        pytest.skip("uint8 masks are deprecated in PyTorch")
    check(fn, randn(3, 4, 5), grad=False)


@pytest.mark.parametrize("key", ["int", "slice", "step_tuple", "mixed", "list", "tensor", "bool_mask", "two_arrays",
                                 "ellipsis", "slice_array", "none"])
def test_setitem_in_graph(key):
    """Assigning a value that requires grad into a non-leaf: both the base and the value get PyTorch's gradients."""
    def fn(m, x, v):
        y = x * 2
        target_shape = y[_keys(m)[key]].shape
        y[_keys(m)[key]] = v.sum() * m.ones(target_shape[-1:], dtype=m.float64) if target_shape else v.sum()
        return y * x

    check(fn, randn(3, 4, 5), randn(2, seed=1))


def test_setitem_into_plain_tensor_from_graph():
    """Filling a buffer row by row from values that require grad records the history (the RNN pattern)."""
    def fn(m, w):
        out = m.zeros(3, 4, dtype=m.float64)
        for i in range(3):
            out[i] = w[i] * (i + 1)
        return out.sum(0) * w[0]

    out = check(fn, randn(3, 4))
    assert out[0].grad_fn.name() == "MulBackward0"


def test_setitem_grad_fn_is_copy_slices():
    x = ember.randn(3, requires_grad=True)
    y = x * 1
    y[0] = 0.0
    z = ember.zeros(3)
    z[1:] = x[1:]
    assert y.grad_fn.name() == z.grad_fn.name() == "CopySlices"


def test_setitem_value_dtype_is_cast():
    for lib in (ember, torch):
        x = lib.zeros(3, dtype=lib.int64)
        x[0] = 2.7
        x[1:] = lib.tensor([1.9, -1.9])
        assert x.tolist() == [2, 1, -1]


def test_setitem_shape_error():
    with pytest.raises(RuntimeError):
        torch.zeros(3, 4)[0] = torch.ones(2)
    with pytest.raises(RuntimeError):
        ember.zeros(3, 4)[0] = ember.ones(2)


@pytest.mark.parametrize("expr, match", [
    ("x[5]", "index 5 is out of bounds for dimension 0 with size 3"),
    ("x[0, 5]", "index 5 is out of bounds for dimension 1 with size 4"),
    ("x[-4]", "index -4 is out of bounds for dimension 0 with size 3"),
    ("x[m.tensor([0, 4])]", "index 4 is out of bounds for dimension 0 with size 3"),
    ("x[0, 0, 0, 0]", "too many indices for tensor of dimension 3"),
    ("x[m.tensor(3.0)]", "tensors used as indices must be long, int, byte or bool tensors"),
    ("x[m.tensor([True, False])]", "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor"),
])
def test_index_errors(expr, match):
    with pytest.raises(IndexError) as torch_err:
        eval(expr, {"x": torch.zeros(3, 4, 5), "m": torch})
    with pytest.raises(IndexError) as err:
        eval(expr, {"x": ember.zeros(3, 4, 5), "m": ember})
    assert match in str(torch_err.value) and str(err.value) == str(torch_err.value)


def test_basic_indexing_is_a_view():
    for key in (1, slice(0, 2), (Ellipsis, 0), (slice(None), None)):
        x = ember.zeros(3, 4)
        x[key].add_(1) if x[key].ndim else None
        view = x[key]
        x.fill_(2.0)
        assert (view == 2).all().item()
    x = ember.zeros(3, 4)
    copy = x[[0, 1]]
    x.fill_(1.0)
    assert (copy == 0).all().item()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim):
    idx = np.random.default_rng(0).integers(0, 3, (3, 2, 4)) if dim != 1 else np.random.default_rng(0).integers(0, 3, (2, 3, 4))
    check(lambda m, x: m.gather(x, dim, m.tensor(idx)), randn(3, 3, 4))
    check(lambda m, x: x.gather(dim, m.tensor(idx)), randn(3, 3, 4), noncontiguous=True)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_value", "scatter_reduce_add"])
def test_scatter_family(name, dim):
    idx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]]) if dim == 0 else np.array([[0, 2], [1, 1], [3, 0]])
    if name == "scatter":
        idx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]]) if dim == 0 else np.array([[0, 2], [1, 3], [3, 0]])
    fns = {
        "scatter": lambda m, x, s: x.scatter(dim, m.tensor(idx), s),
        "scatter_add": lambda m, x, s: m.scatter_add(x, dim, m.tensor(idx), s),
        "scatter_value": lambda m, x, s: x.scatter(dim, m.tensor(idx), 2.5) * s.sum(),
        "scatter_reduce_add": lambda m, x, s: x.scatter(dim, m.tensor(idx), s, reduce="add"),
    }
    # src has the index's shape: with a larger src torch's backward fails ("invalid gradient ... got [2, 4]")
    src = randn(*idx.shape, seed=1) if name in ("scatter", "scatter_add") else randn(3, 4, seed=1)
    check(fns[name], randn(3, 4), src, grad=name != "scatter_reduce_add")


@pytest.mark.parametrize("name", ["scatter", "scatter_add"])
def test_scatter_src_larger_than_index(name):
    """Only the src entries the index reads get a gradient (torch computes the same values but cannot return them)."""
    idx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    x, src = randn(3, 4), randn(3, 4, seed=1)
    e_src = ember.tensor(src, requires_grad=True)
    out = getattr(ember.tensor(x), name)(0, ember.tensor(idx), e_src)
    assert_close(out, getattr(torch.tensor(x), name)(0, torch.tensor(idx), torch.tensor(src)))
    g = randn(3, 4, seed=2)
    out.backward(ember.tensor(g))
    expected = np.zeros((3, 4))
    expected[:2] = np.take_along_axis(g, idx, 0)
    np.testing.assert_allclose(e_src.grad.numpy(), expected)


def test_scatter_inplace_in_graph():
    idx = np.array([[0, 1, 2, 0]])
    check(lambda m, x, s: (x * 1).scatter_(0, m.tensor(idx), s) * x, randn(3, 4), randn(1, 4, seed=1))
    check(lambda m, x, s: (x * 1).scatter_add_(0, m.tensor(idx), s) * x, randn(3, 4), randn(1, 4, seed=1))


def test_one_hot_by_scatter():
    labels = np.array([2, 0, 1])
    for lib in (ember, torch):
        out = lib.zeros(3, 4).scatter_(1, lib.tensor(labels).unsqueeze(1), 1.0)
        assert out.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]


@pytest.mark.parametrize("name", ["gather", "scatter", "scatter_add", "index_select"])
def test_int32_index_is_accepted(name):
    x, idx = randn(2, 3), np.array([[0, 2]], dtype=np.int32)
    fns = {"gather": lambda m, t: t.gather(1, m.tensor(idx)), "scatter": lambda m, t: t.scatter(1, m.tensor(idx), 2.0),
           "scatter_add": lambda m, t: t.scatter_add(1, m.tensor(idx), t[:1, :2] * 1),
           "index_select": lambda m, t: t.index_select(1, m.tensor(idx[0]))}
    check(fns[name], x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    check(lambda m, x: m.index_select(x, dim, m.tensor([2, 0, 2])), randn(3, 4, 5))
    check(lambda m, x: x.index_select(dim, m.tensor(1)), randn(3, 4, 5), noncontiguous=True)


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1), ()], ids=str)
def test_masked_fill_and_select(mask_shape):
    mask = randn(*mask_shape, seed=3) > 0
    check(lambda m, x: (x.masked_fill(m.tensor(mask), -1.5), m.masked_select(x, m.tensor(mask))), randn(3, 4),
          noncontiguous=True)
    check(lambda m, x, v: x.masked_fill(m.tensor(mask), v), randn(3, 4), np.array(0.7))
    check(lambda m, x: (x * 1).masked_fill_(m.tensor(mask), 0.0) * x, randn(3, 4))


def test_masked_fill_integer_tensor_and_bad_mask():
    x = np.arange(6).reshape(2, 3)
    mask = x % 2 == 0
    assert_close(ember.tensor(x).masked_fill(ember.tensor(mask), 9), torch.tensor(x).masked_fill(torch.tensor(mask), 9))
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        ember.ones(2).masked_fill(ember.ones(2), 0)


@pytest.mark.parametrize("data", [np.array([[0, 1, 0], [2, 0, 3]]), np.array([0.0, 1.5, 0.0]), np.array(3),
                                  np.array(0), np.zeros((2, 0))], ids=["2d", "1d_float", "0d", "0d_zero", "empty"])
def test_nonzero(data):
    assert_close(ember.nonzero(ember.tensor(data)), torch.nonzero(torch.tensor(data)))
    for e, t in zip(ember.tensor(data).nonzero(as_tuple=True), torch.tensor(data).nonzero(as_tuple=True)):
        assert_close(e, t)


@pytest.mark.parametrize("expr", [
    "m.gather(m.ones(2, 3), 1, m.tensor([[0, 3]]))", "m.gather(m.ones(2, 3), 1, m.tensor([0, 1]))",
    "m.gather(m.ones(2, 3), 1, m.tensor([[0, 1]], dtype=m.int16))", "m.ones(2, 3).index_select(0, m.tensor([[0]]))",
    "m.ones(2, 3).scatter(1, m.tensor([[0, 5]]), 1.0)", "m.gather(m.ones(2, 3), 1, m.tensor([[7, 5]]))",
    "m.gather(m.ones(2, 3), 1, m.tensor([[-1]]))", "m.gather(m.ones(2, 3), 1, m.tensor([[0], [1], [2]]))",
    "m.ones(2, 3).scatter(1, m.tensor([[0], [1], [2]]), 1.0)", "m.ones(2, 3).scatter(1, m.tensor([[0, 1]]), m.ones(1, 1))",
    "m.ones(2, 3).scatter_add(1, m.tensor([[0, 1]]), m.ones(1, 1))", "m.ones(2, 3).scatter(1, m.tensor([0, 1]), 1.0)",
    "m.ones(2, 3).scatter(1, m.tensor([[0, 1]]), 1.0, reduce='max')", "m.ones(2, 3).index_select(1, m.tensor([5]))",
    "m.ones(2, 3).index_select(1, m.tensor([0.0]))", "m.ones(2, 3).scatter_add(1, m.tensor([[0]]), m.ones(1, 1).double())",
])
def test_gather_scatter_errors(expr):
    """Bad index dtype, rank, size or value: PyTorch's exception type and message."""
    with pytest.raises((RuntimeError, IndexError)) as torch_err:
        eval(expr, {"m": torch})
    with pytest.raises(type(torch_err.value)) as err:
        eval(expr, {"m": ember})
    assert str(err.value) == str(torch_err.value)
