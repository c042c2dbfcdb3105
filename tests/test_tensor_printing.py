"""repr/str of tensors against PyTorch's, with 'torch' spelled 'ember': notation, widths, wrapping, summaries."""
import numpy as np
import pytest
import torch

import ember

rng = np.random.default_rng(0)

VALUES = {
    "matrix": np.array([[1.0, 0.0], [0.0, 3.0]]),
    "fractions": np.array([1.5, 2.25, -3.0]),
    "small": np.array([1e-5, 1.0]),
    "large": np.array([1e10, 1.0]),
    "int_range": np.array([1.0, 2000.0]),
    "nan_inf": np.array([0.0, np.nan, 100.0, -np.inf]),
    "all_zero": np.zeros((2, 2)),
    "all_nan": np.array([np.nan, np.nan]),
    "neg_zero": np.array([-0.0, 1.5]),
    "scalar": np.array(3.5),
    "scalar_int_valued": np.array(-2.0),
    "scalar_tiny": np.array(1e-8),
    "randn_3d": rng.standard_normal((2, 3, 4)),
    "randn_4d": rng.standard_normal((2, 1, 2, 3)),
    "wide_row": rng.standard_normal(30),
    "wide_matrix": rng.standard_normal((3, 25)) * 100,
    "summarized_1d": np.arange(2000.0),
    "summarized_2d": rng.standard_normal((40, 40)),
    "summarized_3d": rng.standard_normal((11, 11, 11)),
    "summarized_ints": np.arange(1200).reshape(30, 40),
    "edge_threshold": np.ones(1000),
    "edge_threshold_plus": np.ones(1001),
    "ints": np.array([1, -20, 300]),
    "int_matrix": np.arange(12).reshape(3, 4),
    "bools": np.array([True, False]),
    "bool_matrix": np.array([[True], [False]]),
    "empty": np.zeros(0),
    "empty_2d": np.zeros((2, 0)),
    "empty_int": np.zeros((0, 3), dtype=np.int64),
    "big_ints_float": np.array([123456789.0, 1.0]),
}
DTYPES = ["default", "float64", "float16", "int32", "uint8", "int8", "int16"]


def _both(arr, dtype="default"):
    e, t = ember.tensor(arr), torch.tensor(arr)
    if arr.dtype == np.float64:  # Python floats: the default dtype
        e, t = e.float(), t.float()
    if dtype != "default":
        e, t = e.to(getattr(ember, dtype)), t.to(getattr(torch, dtype))
    return e, t


def _same(e, t) -> None:
    assert repr(e) == repr(t).replace("torch", "ember")
    assert str(e) == str(t).replace("torch", "ember")


@pytest.mark.parametrize("name", VALUES)
def test_values(name):
    _same(*_both(VALUES[name]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["matrix", "fractions", "int_matrix", "scalar", "empty", "empty_2d"])
def test_dtype_suffix(name, dtype):
    arr = VALUES[name]
    if dtype in ("uint8",) and (arr < 0).any():
        arr = np.abs(arr)
    _same(*_both(arr, dtype))


def test_float64_values_with_default_dtype_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        _same(ember.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0]))
        _same(ember.tensor([1.5], dtype=ember.float32), torch.tensor([1.5], dtype=torch.float32))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_autograd_suffixes():
    e = ember.tensor([[1.0, 2.0]], requires_grad=True)
    t = torch.tensor([[1.0, 2.0]], requires_grad=True)
    _same(e, t)
    _same(e * 2, t * 2)
    _same((e * 2).sum(), (t * 2).sum())
    _same(e.double() * 3, t.double() * 3)
    _same(e.detach(), t.detach())


def test_suffix_wraps_to_a_new_line():
    arr = rng.standard_normal((2, 8))
    e = ember.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    _same(e * 1, t * 1)
    _same(e.float() * 1, t.float() * 1)


def test_parameter_like_requires_grad_on_large_tensor():
    arr = rng.standard_normal((6, 1, 3, 3)).astype(np.float32)
    _same(ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True))


@pytest.mark.parametrize("opts", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False), dict(threshold=5),
                                  dict(edgeitems=1, threshold=5), dict(linewidth=40), dict(profile="short"),
                                  dict(profile="full")], ids=str)
def test_set_printoptions(opts):
    arr = rng.standard_normal((4, 10)) * 50
    try:
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        _same(*_both(arr))
        _same(*_both(np.array([1e-6, 3.0])))
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_format_of_zero_dim_tensor():
    assert f"{ember.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"
    assert f"{ember.tensor(7)}" == f"{torch.tensor(7)}"


def test_size_and_dtype_reprs():
    assert repr(ember.zeros(6, 1, 3, 3).shape) == "ember.Size([6, 1, 3, 3])"
    assert str(ember.zeros(2).size()) == "ember.Size([2])"
    assert repr(ember.zeros(()).shape) == "ember.Size([])"
    assert repr(ember.float32) == "ember.float32" and str(ember.int64) == "ember.int64"
    assert repr(ember.zeros(1).device) == "device(type='cpu')"


def test_tensor_class_prints_as_the_package_class():
    import pickle

    assert str(ember.Tensor) == str(torch.Tensor).replace("torch", "ember") == "<class 'ember.Tensor'>"
    assert str(type(ember.zeros(2))) == "<class 'ember.Tensor'>"
    x = ember.randn(2, 3, requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert type(y) is ember.Tensor and y.requires_grad and np.array_equal(y.numpy(force=True), x.numpy(force=True))
    assert pickle.loads(pickle.dumps(ember.Tensor)) is ember.Tensor
