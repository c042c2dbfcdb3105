"""nn.init against PyTorch: gains and fans exactly, deterministic fills exactly, random fills by distribution
(bounds, mean, std), in place and unrecorded, reproducible under ember.manual_seed, deprecated names, errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn import init

SHAPES = [(300, 200), (64, 32, 3, 3), (40, 30, 5)]


def param(shape, dtype=ember.float32):
    return ember.nn.Parameter(ember.empty(*shape, dtype=dtype))


@pytest.mark.parametrize("nonlinearity,arg", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, arg):
    assert init.calculate_gain(nonlinearity, arg) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, arg),
                                                                   rel=1e-15)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (8, 4, 3, 3), (2, 6, 1, 2, 3), (0, 3)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def _expected_bounds_and_std(name, shape, kwargs):
    """(bound or None, std) of the distribution ``name`` fills with, from torch's own fan and gain helpers."""
    t = torch.empty(*shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(t)
    if name == "uniform_":
        a, b = kwargs.get("a", 0.0), kwargs.get("b", 1.0)
        return (a, b), (b - a) / math.sqrt(12)
    if name == "normal_":
        return None, kwargs.get("std", 1.0)
    if name in ("xavier_uniform_", "xavier_normal_"):
        std = kwargs.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
        return ((-math.sqrt(3) * std, math.sqrt(3) * std) if name == "xavier_uniform_" else None), std
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    std = gain / math.sqrt(fan)
    return ((-math.sqrt(3) * std, math.sqrt(3) * std) if name == "kaiming_uniform_" else None), std


RANDOM = [
    ("uniform_", {}), ("uniform_", {"a": -2.0, "b": 3.0}), ("normal_", {}), ("normal_", {"mean": 0.0, "std": 0.1}),
    ("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
    ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}), ("kaiming_normal_", {}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,kwargs", RANDOM)
def test_random_fills_have_torchs_distribution(name, kwargs, shape, dtype):
    p = param(shape, dtype)
    ptr = p.data_ptr()
    out = getattr(init, name)(p, **kwargs)
    assert out is p and p.data_ptr() == ptr and p.dtype == dtype and tuple(p.shape) == shape
    assert p.requires_grad and p.grad_fn is None  # filled without recording
    values = p.detach().numpy().astype(np.float64)
    bounds, std = _expected_bounds_and_std(name, shape, kwargs)
    if bounds is not None:
        assert values.min() >= bounds[0] and values.max() <= bounds[1]
        assert values.min() < bounds[0] + 0.01 * (bounds[1] - bounds[0])  # the whole range is used
    mean = kwargs.get("mean", sum(bounds) / 2 if bounds else 0.0)
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n)
    assert values.std() == pytest.approx(std, rel=0.05)


def test_manual_seed_and_generator_control_draws():
    ember.manual_seed(3)
    a = init.kaiming_uniform_(ember.empty(4, 5)).tolist()
    ember.manual_seed(3)
    b = init.kaiming_uniform_(ember.empty(4, 5)).tolist()
    assert a == b
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    assert init.normal_(ember.empty(6), generator=g1).tolist() == init.normal_(ember.empty(6), generator=g2).tolist()
    assert init.normal_(ember.empty(6)).tolist() != init.normal_(ember.empty(6)).tolist()


@pytest.mark.parametrize("kwargs", [{}, {"mean": 1.0, "std": 2.0, "a": -1.0, "b": 4.0}, {"a": 0.0, "b": 0.5}])
def test_trunc_normal_bounds_and_moments(kwargs):
    values = init.trunc_normal_(ember.empty(200, 100, dtype=ember.float64), **kwargs).numpy()
    std, a, b = kwargs.get("std", 1.0), kwargs.get("a", -2.0), kwargs.get("b", 2.0)
    assert values.min() >= a and values.max() <= b
    # the moments of the truncated normal, from torch's own sampler on the same bounds
    ref = torch.nn.init.trunc_normal_(torch.empty(200, 100, dtype=torch.float64), **kwargs).numpy()
    assert values.mean() == pytest.approx(ref.mean(), abs=0.03 * std)
    assert values.std() == pytest.approx(ref.std(), rel=0.05)


@pytest.mark.parametrize("name,args", [("constant_", (0.25,)), ("ones_", ()), ("zeros_", ())])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64])
def test_constant_fills_match_torch(name, args, dtype):
    t_dtype = getattr(torch, str(dtype).split(".")[1])
    e = getattr(init, name)(ember.empty(3, 4, dtype=dtype), *args)
    t = getattr(torch.nn.init, name)(torch.empty(3, 4, dtype=t_dtype), *args)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert e.dtype == dtype


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye_matches_torch(shape):
    np.testing.assert_array_equal(init.eye_(ember.empty(*shape)).numpy(), torch.nn.init.eye_(torch.empty(*shape)))


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 3, 3), 3), ((4, 6, 3, 3), 1), ((6, 4, 2, 3, 3), 2),
                                          ((3, 5, 4, 4), 1)])
def test_dirac_matches_torch(shape, groups):
    np.testing.assert_array_equal(init.dirac_(ember.empty(*shape), groups).numpy(),
                                  torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (8, 3, 2, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_is_orthogonal(shape, gain):
    w = init.orthogonal_(ember.empty(*shape, dtype=ember.float64), gain=gain).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-10)


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.9])
def test_sparse_zeros_per_column(sparsity):
    w = init.sparse_(ember.empty(20, 30), sparsity, std=0.5).numpy()
    zeros = (w == 0).sum(axis=0)
    assert (zeros == math.ceil(sparsity * 20)).all()
    assert w[w != 0].std() == pytest.approx(0.5, rel=0.25)


DEPRECATED = ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
              "kaiming_normal", "orthogonal", "sparse"]
DEPRECATED_ARGS = {"constant": (0.5,), "sparse": (0.1,)}


@pytest.mark.parametrize("name", DEPRECATED)
def test_deprecated_names_warn_like_torch_and_work(name):
    shape = (4, 4, 3) if name == "dirac" else (4, 4)
    args = DEPRECATED_ARGS.get(name, ())
    with pytest.warns(FutureWarning) as t_rec:
        getattr(torch.nn.init, name)(torch.empty(*shape), *args)
    with pytest.warns(FutureWarning) as e_rec:
        out = getattr(init, name)(ember.empty(*shape), *args)
    assert str(e_rec[0].message) == str(t_rec[0].message)
    assert isinstance(out, ember.Tensor) and tuple(out.shape) == shape


def test_zero_element_kaiming_warns_and_is_noop():
    t = ember.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_normal_(t) is t


def test_trunc_normal_far_mean_warns():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        out = init.trunc_normal_(ember.empty(100), mean=10.0)
    assert out.numpy().min() >= -2 and out.numpy().max() <= 2


def test_used_inside_module_apply():
    layer = ember.nn.Module()
    layer.weight = param((5, 4))
    layer.apply(lambda m: init.xavier_uniform_(m.weight) if hasattr(m, "weight") else None)
    assert layer.weight.abs().max().item() <= math.sqrt(6 / 9)


ERRORS = {
    "gain_unknown": lambda m, lib: m.calculate_gain("foo"),
    "gain_bad_slope": lambda m, lib: m.calculate_gain("leaky_relu", "x"),
    "gain_bool_slope": lambda m, lib: m.calculate_gain("leaky_relu", True),
    "fan_1d": lambda m, lib: m.xavier_uniform_(lib.empty(3)),
    "kaiming_mode": lambda m, lib: m.kaiming_uniform_(lib.empty(3, 3), mode="fan_x"),
    "eye_3d": lambda m, lib: m.eye_(lib.empty(2, 2, 2)),
    "dirac_2d": lambda m, lib: m.dirac_(lib.empty(3, 3)),
    "dirac_groups": lambda m, lib: m.dirac_(lib.empty(3, 3, 3), groups=2),
    "orthogonal_1d": lambda m, lib: m.orthogonal_(lib.empty(3)),
    "sparse_3d": lambda m, lib: m.sparse_(lib.empty(3, 3, 3), 0.1),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as te:
        ERRORS[case](torch.nn.init, torch)
    with pytest.raises(type(te.value), match="^" + __import__("re").escape(str(te.value)) + "$"):
        ERRORS[case](init, ember)


def test_no_warnings_on_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.kaiming_uniform_(ember.empty(3, 4), a=math.sqrt(5))
        init.xavier_normal_(ember.empty(3, 4))
