"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d and F.interpolate against PyTorch: every mode, size and
scale_factor, align_corners, recompute_scale_factor; values, input gradients, grad_fn names, reprs, errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import check, randn

SHAPES = {"nearest": [(2, 3, 5), (2, 2, 5, 4), (1, 2, 3, 4, 5)], "nearest-exact": [(2, 2, 5, 4), (1, 2, 3, 4, 5)],
          "linear": [(2, 3, 5)], "bilinear": [(2, 2, 5, 4)], "bicubic": [(2, 2, 5, 4)],
          "trilinear": [(1, 2, 3, 4, 5)], "area": [(2, 3, 7), (2, 2, 7, 5), (1, 2, 7, 5, 4)]}
CASES = [(mode, shape) for mode, shapes in SHAPES.items() for shape in shapes]
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _align_options(mode):
    return [False, True] if mode in INTERPOLATING else [None]


def interp(**kwargs):
    return lambda lib, x: lib.nn.functional.interpolate(x, **kwargs)


@pytest.mark.parametrize("recompute", [None, True])
@pytest.mark.parametrize("scale", [2, 0.5, 1.7, 3, 0.75, 1.0001], ids=str)
@pytest.mark.parametrize("mode,shape", CASES)
def test_interpolate_scale_factor(mode, shape, scale, recompute):
    for align in _align_options(mode):
        check(interp(scale_factor=scale, mode=mode, align_corners=align, recompute_scale_factor=recompute),
              randn(*shape))


@pytest.mark.parametrize("size", [1, 4, 8, 11], ids=str)
@pytest.mark.parametrize("mode,shape", CASES)
def test_interpolate_size(mode, shape, size):
    for align in _align_options(mode):
        check(interp(size=size, mode=mode, align_corners=align), randn(*shape))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_interpolate_per_axis_arguments_float32(mode):
    x = randn(2, 3, 6, 5, dtype=np.float32)
    check(interp(size=(9, 3), mode=mode), x)
    check(interp(scale_factor=(1.5, 2.5), mode=mode), x)
    check(interp(scale_factor=(0.6, 2), mode=mode), x, noncontiguous=True)


@pytest.mark.parametrize("mode,shape,name", [
    ("nearest", (1, 2, 4), "UpsampleNearest1DBackward0"), ("nearest", (1, 2, 4, 4), "UpsampleNearest2DBackward0"),
    ("nearest", (1, 2, 3, 3, 3), "UpsampleNearest3DBackward0"),
    ("nearest-exact", (1, 2, 4, 4), "UpsampleNearestExact2DBackward0"),
    ("linear", (1, 2, 4), "UpsampleLinear1DBackward0"), ("bilinear", (1, 2, 4, 4), "UpsampleBilinear2DBackward0"),
    ("bicubic", (1, 2, 4, 4), "UpsampleBicubic2DBackward0"),
    ("trilinear", (1, 2, 3, 3, 3), "UpsampleTrilinear3DBackward0"),
    ("area", (1, 2, 4, 4), "AdaptiveAvgPool2DBackward0"), ("area", (1, 2, 4), "SqueezeBackward1"),
])
def test_grad_fn_names(mode, shape, name):
    for lib in (ember, torch):
        x = lib.randn(*shape, requires_grad=True)
        assert lib.nn.functional.interpolate(x, scale_factor=2, mode=mode).grad_fn.name() == name


def test_interpolate_double_backward():
    def f(lib, x):
        y = lib.nn.functional.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True)
        (g,) = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        return g

    check(f, randn(1, 2, 4, 3))


def test_nearest_keeps_inf_and_nan():
    x = np.array([[[1.0, np.inf, np.nan]]])
    out = ember.nn.functional.interpolate(ember.tensor(x), scale_factor=2)
    np.testing.assert_array_equal(out.numpy(), [[[1.0, 1.0, np.inf, np.inf, np.nan, np.nan]]])


@pytest.mark.parametrize("args", [
    dict(size=(2, 3)), dict(scale_factor=2), dict(scale_factor=(2, 3)), dict(scale_factor=2.5, mode="bicubic"),
    dict(size=(3, 4), mode="bilinear", align_corners=True), dict(scale_factor=0), dict(size=[2, 3]),
    dict(scale_factor=2, mode="area"),
], ids=str)
def test_upsample_repr_and_forward(args):
    e, t = ember.nn.Upsample(**args), torch.nn.Upsample(**args)
    assert repr(e) == repr(t)
    assert e.scale_factor == t.scale_factor
    if args.get("scale_factor") != 0:
        check(lambda lib, x: (e if lib is ember else t)(x), randn(1, 2, 5, 4))


@pytest.mark.parametrize("name", ["UpsamplingNearest2d", "UpsamplingBilinear2d"])
@pytest.mark.parametrize("args", [dict(scale_factor=2), dict(size=7), dict(size=(3, 6))], ids=str)
def test_upsampling_2d_layers(name, args):
    e, t = getattr(ember.nn, name)(**args), getattr(torch.nn, name)(**args)
    assert repr(e) == repr(t)
    check(lambda lib, x: (e if lib is ember else t)(x), randn(2, 3, 4, 5))


@pytest.mark.parametrize("fn,args", [("upsample", dict(scale_factor=2, mode="linear")),
                                     ("upsample_nearest", dict(size=7)), ("upsample_bilinear", dict(scale_factor=2))])
def test_deprecated_upsample_functions_warn(fn, args):
    x = randn(1, 2, 4) if fn == "upsample" else randn(1, 2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: getattr(lib.nn.functional, fn)(x, **args), x)
    with pytest.warns(UserWarning, match=f"`nn.functional.{fn}` is deprecated"):
        getattr(ember.nn.functional, fn)(ember.tensor(x), **args)


@pytest.mark.parametrize("shape,kwargs,error,message", [
    ((1, 2, 5, 4), dict(scale_factor=2, mode="linear"), NotImplementedError, "Got 4D input, but linear mode needs 3D"),
    ((1, 2, 5), dict(scale_factor=2, mode="bilinear"), NotImplementedError, "Got 3D input, but bilinear mode needs 4D"),
    ((1, 2, 5, 5), dict(scale_factor=2, mode="trilinear"), NotImplementedError, "trilinear mode needs 5D input"),
    ((1, 2, 5), dict(scale_factor=2, mode="bicubic"), NotImplementedError,
     r"Only 3D, 4D and 5D input .*got 3D.*bicubic"),
    ((1, 5), dict(scale_factor=2), NotImplementedError, r"Only 3D, 4D and 5D input Tensors supported \(got 2D\)"),
    ((1, 2, 5, 4), dict(scale_factor=2, mode="foo"), NotImplementedError, r"\(got foo\)"),
    ((1, 2, 5, 4), dict(scale_factor=2, align_corners=True), ValueError, "align_corners option can only be set"),
    ((1, 2, 5, 4), dict(size=3, scale_factor=2), ValueError, "only one of size or scale_factor should be defined"),
    ((1, 2, 5, 4), dict(), ValueError, "either size or scale_factor should be defined"),
    ((1, 2, 5, 4), dict(size=(3, 3, 3)), ValueError, r"spatial dimensions of \[5, 4\] and output size of \(3, 3, 3\)"),
    ((1, 2, 5, 4), dict(scale_factor=(2, 2, 2)), ValueError, r"\[5, 4\] and scale_factor of shape \(2, 2, 2\)"),
    ((1, 2, 5, 4), dict(size=3, recompute_scale_factor=True), ValueError, "recompute_scale_factor is not meaningful"),
    ((1, 2, 5, 4), dict(scale_factor=0.1), RuntimeError, r"input \(H: 5, W: 4\) output \(H: 0, W: 0\)"),
    ((1, 2, 5), dict(scale_factor=0.1, mode="linear"), RuntimeError, r"input \(W: 5\) and output \(W: 0\)"),
    ((1, 2, 3, 4, 5), dict(scale_factor=0.3), RuntimeError, r"input \(D: 3, H: 4, W: 5\) output \(D: 0, H: 1, W: 1\)"),
])
def test_interpolate_bad_arguments(shape, kwargs, error, message):
    for lib in (ember, torch):
        with pytest.raises(error, match=message):
            lib.nn.functional.interpolate(lib.zeros(*shape), **kwargs)
