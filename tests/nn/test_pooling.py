"""Pooling layers and functions against PyTorch: values, indices and input gradients over grids of kernel, stride,
padding, dilation and ceil_mode; ties and NaNs; adaptive sizes that do not divide the input; unpooling; reprs,
grad_fn names, double backward, the seed tutorials' examples and bad input."""
import itertools

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, randn

F = {ember: ember.nn.functional, torch: torch.nn.functional}
NN = {ember: ember.nn, torch: torch.nn}


def lib_of(t):
    return ember if isinstance(t, ember.Tensor) else torch


# -- max pooling ---------------------------------------------------------------------------------------------------
MAX2D = [dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=c)
         for k, s, p, d, c in itertools.product([2, 3, (3, 2)], [None, 1, (2, 3)], [0, 1], [1, 2], [False, True])]


@pytest.mark.parametrize("kw", MAX2D, ids=str)
def test_max_pool2d_grid(kw):
    x = randn(2, 3, 7, 8)
    check(lambda lib, x: F[lib].max_pool2d(x, return_indices=True, **kw), x)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))], ids=str)
def test_max_pool2d_float32_and_unbatched(kw):
    check(lambda lib, x: F[lib].max_pool2d(x, **kw), randn(2, 4, 9, 10, dtype=np.float32))
    check(lambda lib, x: F[lib].max_pool2d(x, return_indices=True, **kw), randn(4, 9, 10))


@pytest.mark.parametrize("kw", [dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=c)
                                for k, s, p, d, c in itertools.product([2, 3], [None, 2], [0, 1], [1, 2],
                                                                       [False, True])], ids=str)
def test_max_pool1d_grid(kw):
    check(lambda lib, x: F[lib].max_pool1d(x, return_indices=True, **kw), randn(2, 3, 11))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3, 2), stride=1, padding=(1, 0, 1)),
                                dict(kernel_size=3, stride=2, dilation=(1, 2, 1), ceil_mode=True, padding=1)],
                         ids=str)
@pytest.mark.parametrize("shape", [(2, 2, 5, 6, 7), (2, 5, 6, 7)])
def test_max_pool3d(kw, shape):
    check(lambda lib, x: F[lib].max_pool3d(x, return_indices=True, **kw), randn(*shape))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, stride=1,
                                                                                    dilation=2)], ids=str)
def test_max_pool_ties_pick_first_and_route_gradient_there(kw):
    # integer-valued floats: most windows hold several equal maxima; PyTorch keeps the first in row-major order
    x = np.random.default_rng(1).integers(0, 3, size=(2, 3, 7, 7)).astype(np.float64)
    check(lambda lib, x: F[lib].max_pool2d(x, return_indices=True, **kw), x)
    check(lambda lib, x: F[lib].max_pool1d(x, return_indices=True, **kw), x[:, :, 0])
    check(lambda lib, x: F[lib].max_pool3d(x, return_indices=True, **kw), x[:, :, :5].copy())


def test_max_pool_constant_input_and_infinities():
    check(lambda lib, x: F[lib].max_pool2d(x, 3, 2, 1, return_indices=True), np.ones((1, 2, 6, 6)))
    # all -inf windows: the index is the first position inside the input, not in the padding
    check(lambda lib, x: F[lib].max_pool2d(x, 3, 2, 1, return_indices=True), np.full((1, 1, 5, 5), -np.inf))
    x = randn(1, 1, 6, 6)
    x[0, 0, :3] = -np.inf
    check(lambda lib, x: F[lib].max_pool2d(x, 3, 2, 1, 2, return_indices=True), x)


def test_max_pool_nan_propagates_with_torch_index():
    x = randn(2, 2, 6, 6)
    x[0, 0, 1, 1] = x[0, 0, 1, 2] = x[1, 1, 4, 0] = x[0, 1, 0, 0] = np.nan
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        check(lambda lib, x: F[lib].max_pool2d(x, return_indices=True, **kw), x)
    check(lambda lib, x: F[lib].adaptive_max_pool2d(x, (4, 3), return_indices=True), x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_max_pool_integer_input(dtype):
    x = np.random.default_rng(2).integers(-5, 5, size=(2, 2, 6, 7)).astype(dtype)
    check(lambda lib, x: F[lib].max_pool2d(x, 3, 2, 1, return_indices=True), x)


def test_large_windows_and_unbatched_1d():
    x = randn(2, 3, 140, 9)
    check(lambda lib, x: F[lib].max_pool2d(x, (130, 2), stride=3, return_indices=True), x)
    check(lambda lib, x: F[lib].adaptive_max_pool2d(x, 1, return_indices=True), x)
    check(lambda lib, x: F[lib].max_pool1d(x, 3, 2, 1, return_indices=True), x[0, :, :12])
    check(lambda lib, x: F[lib].avg_pool1d(x, 3, 2, 1, count_include_pad=False), x[0, :, :12])


def test_max_pool_noncontiguous_input():
    check(lambda lib, x: F[lib].max_pool2d(x, 2), randn(2, 3, 6, 6), noncontiguous=True)


# -- average pooling -----------------------------------------------------------------------------------------------
AVG2D = [dict(kernel_size=k, stride=s, padding=p, ceil_mode=c, count_include_pad=i)
         for k, s, p, c, i in itertools.product([2, 3, (3, 2)], [None, 1, 2], [0, 1], [False, True], [True, False])]


@pytest.mark.parametrize("kw", AVG2D, ids=str)
def test_avg_pool2d_grid(kw):
    check(lambda lib, x: F[lib].avg_pool2d(x, **kw), randn(2, 3, 7, 8))


@pytest.mark.parametrize("kw", [dict(kernel_size=2, divisor_override=3), dict(kernel_size=3, stride=2, padding=1,
                                                                              ceil_mode=True, divisor_override=5),
                                dict(kernel_size=(3, 2), padding=1, count_include_pad=False, divisor_override=2)],
                         ids=str)
def test_avg_pool_divisor_override(kw):
    check(lambda lib, x: F[lib].avg_pool2d(x, **kw), randn(2, 3, 7, 8))
    kw3 = dict(kw, kernel_size=(3, 2, 2)) if isinstance(kw["kernel_size"], tuple) else kw
    check(lambda lib, x: F[lib].avg_pool3d(x, **kw3), randn(2, 5, 6, 7))


@pytest.mark.parametrize("kw", [dict(kernel_size=k, stride=s, padding=p, ceil_mode=c, count_include_pad=i)
                                for k, s, p, c, i in itertools.product([2, 3], [None, 2], [0, 1], [False, True],
                                                                       [True, False])], ids=str)
def test_avg_pool1d_and_3d(kw):
    check(lambda lib, x: F[lib].avg_pool1d(x, **kw), randn(2, 3, 11))
    check(lambda lib, x: F[lib].avg_pool3d(x, **kw), randn(1, 2, 5, 6, 7))


def test_avg_pool_float32_unbatched_and_integer():
    check(lambda lib, x: F[lib].avg_pool2d(x, 3, 2, 1), randn(2, 4, 9, 10, dtype=np.float32))
    check(lambda lib, x: F[lib].avg_pool2d(x, 2), randn(4, 8, 8, dtype=np.float32))
    x = np.random.default_rng(3).integers(-9, 9, size=(2, 2, 5, 5))
    check(lambda lib, x: F[lib].avg_pool2d(x, 2, 1, 1, ceil_mode=True), x)


# -- adaptive pooling ----------------------------------------------------------------------------------------------
ADAPTIVE2D = [(3, 3), (4, 5), (5, 3), 1, (None, 2), (7, 8), (9, 11), (2, 1), 0]


@pytest.mark.parametrize("size", ADAPTIVE2D, ids=str)
def test_adaptive_pool2d(size):
    x = randn(2, 3, 7, 8)
    grad = size != 0  # torch's backward refuses empty outputs
    check(lambda lib, x: F[lib].adaptive_avg_pool2d(x, size), x, grad=grad)
    check(lambda lib, x: F[lib].adaptive_max_pool2d(x, size, return_indices=True), x, grad=grad)


@pytest.mark.parametrize("size", [1, 3, 4, 5, 11, 13], ids=str)
def test_adaptive_pool1d_3d(size):
    check(lambda lib, x: F[lib].adaptive_avg_pool1d(x, size), randn(2, 3, 11))
    check(lambda lib, x: F[lib].adaptive_max_pool1d(x, size, return_indices=True), randn(2, 3, 11))
    size3 = (size, None, 3)
    check(lambda lib, x: F[lib].adaptive_avg_pool3d(x, size3), randn(2, 2, 5, 6, 7))
    check(lambda lib, x: F[lib].adaptive_max_pool3d(x, size3, return_indices=True), randn(2, 5, 6, 7))


def test_adaptive_pool_float32_and_ties():
    check(lambda lib, x: F[lib].adaptive_avg_pool2d(x, (5, 3)), randn(3, 4, 10, 9, dtype=np.float32))
    x = np.random.default_rng(4).integers(0, 2, size=(2, 3, 7, 8)).astype(np.float32)
    check(lambda lib, x: F[lib].adaptive_max_pool2d(x, (3, 5), return_indices=True), x)


# -- unpooling -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("nd, shape, kw, out", [
    (2, (2, 3, 6, 6), dict(kernel_size=2), None),
    (2, (2, 3, 7, 7), dict(kernel_size=2), (7, 7)),
    (2, (2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1), (7, 8)),
    (2, (3, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1)), None),
    (1, (2, 3, 9), dict(kernel_size=2), (2, 3, 9)),
    (3, (2, 2, 4, 5, 6), dict(kernel_size=2), (5, 5, 6)),
], ids=str)
def test_max_unpool(nd, shape, kw, out):
    def fn(lib, x):
        f = F[lib]
        y, i = getattr(f, f"max_pool{nd}d")(x.detach(), return_indices=True, **kw)
        y = y.clone().requires_grad_()
        return getattr(f, f"max_unpool{nd}d")(y * 2, i, output_size=out, **kw)
    check(fn, randn(*shape))


# -- LP pooling ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p, kw", [(2, dict(kernel_size=2)), (1.5, dict(kernel_size=3, stride=2)),
                                   (3, dict(kernel_size=(2, 3), ceil_mode=True))], ids=str)
def test_lp_pool(p, kw):
    x = np.abs(randn(2, 3, 7, 8)) + 0.1
    check(lambda lib, x: F[lib].lp_pool2d(x, p, **kw), x)
    check(lambda lib, x: F[lib].lp_pool1d(x, p, kw["kernel_size"] if isinstance(kw["kernel_size"], int) else 2),
          x[:, :, 0])
    check(lambda lib, x: F[lib].lp_pool3d(x, p, 2), x[None])


# -- modules -------------------------------------------------------------------------------------------------------
MODULES = [
    ("MaxPool1d", (2,), {}, (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), padding=1, dilation=1, ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool2d", (3,), dict(return_indices=True), (3, 9, 8)),
    ("MaxPool3d", (2,), dict(stride=1, padding=1, dilation=2), (1, 2, 5, 6, 6)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2), (2, 3, 9, 8)),
    ("AvgPool2d", (3,), dict(divisor_override=2, ceil_mode=True), (2, 3, 8, 8)),
    ("AvgPool3d", ((2, 3, 2),), dict(padding=1), (1, 2, 5, 6, 6)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((None, 3),), dict(return_indices=True), (2, 3, 9, 8)),
    ("AdaptiveMaxPool3d", (2, True), {}, (2, 5, 6, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((None, 7),), {}, (2, 3, 9, 8)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 9, 8)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 6, 7)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (2, 3), dict(stride=2), (2, 3, 9, 8)),
    ("LPPool3d", (1.5, 2), {}, (1, 2, 5, 6, 7)),
    ("MaxUnpool1d", (2,), {}, None),
    ("MaxUnpool2d", ((2, 3),), dict(padding=1), None),
    ("MaxUnpool3d", (2,), dict(stride=1), None),
]


@pytest.mark.parametrize("name, args, kw, shape", MODULES, ids=lambda v: str(v))
def test_module_matches_torch(name, args, kw, shape):
    e, t = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(e) == repr(t)
    assert {k: getattr(e, k) for k in vars(t) if not k.startswith("_")} == \
        {k: getattr(t, k) for k in vars(t) if not k.startswith("_")}
    if shape is not None:
        x = randn(*shape)
        if name.startswith("LP"):
            x = np.abs(x) + 0.1
        check_module(e, t, x)


def test_reprs_exactly_as_torch():
    assert repr(ember.nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(ember.nn.MaxPool2d((3, 2), stride=(2, 1))) == \
        "MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=0, dilation=1, ceil_mode=False)"
    assert repr(ember.nn.AvgPool2d(3, stride=2)) == "AvgPool2d(kernel_size=3, stride=2, padding=0)"
    assert repr(ember.nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(ember.nn.MaxUnpool2d(2, stride=2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(ember.nn.AdaptiveMaxPool2d((None, 7))) == "AdaptiveMaxPool2d(output_size=(None, 7))"
    assert repr(ember.nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"


# -- autograd ------------------------------------------------------------------------------------------------------
GRAD_FN = [
    (lambda f, x: f.max_pool1d(x, 2), (2, 3, 8), "SqueezeBackward1", "MaxPool2DWithIndicesBackward0"),
    (lambda f, x: f.max_pool2d(x, 2), (2, 3, 8, 8), "MaxPool2DWithIndicesBackward0", None),
    (lambda f, x: f.max_pool2d(x, 2, return_indices=True)[0], (3, 8, 8), "MaxPool2DWithIndicesBackward0", None),
    (lambda f, x: f.max_pool3d(x, 2), (2, 3, 4, 4, 4), "MaxPool3DWithIndicesBackward0", None),
    (lambda f, x: f.avg_pool1d(x, 2), (2, 3, 8), "SqueezeBackward1", "AvgPool2DBackward0"),
    (lambda f, x: f.avg_pool2d(x, 2), (2, 3, 8, 8), "AvgPool2DBackward0", None),
    (lambda f, x: f.avg_pool3d(x, 2), (2, 3, 4, 4, 4), "AvgPool3DBackward0", None),
    (lambda f, x: f.adaptive_avg_pool1d(x, 3), (2, 3, 8), "SqueezeBackward1", "AdaptiveAvgPool2DBackward0"),
    (lambda f, x: f.adaptive_avg_pool2d(x, 3), (2, 3, 8, 8), "AdaptiveAvgPool2DBackward0", None),
    (lambda f, x: f.adaptive_avg_pool2d(x, 1), (2, 3, 8, 8), "MeanBackward1", None),
    (lambda f, x: f.adaptive_avg_pool3d(x, 3), (2, 3, 4, 4, 4), "AdaptiveAvgPool3DBackward0", None),
    (lambda f, x: f.adaptive_max_pool1d(x, 3), (2, 3, 8), "SqueezeBackward1", "AdaptiveMaxPool2DBackward0"),
    (lambda f, x: f.adaptive_max_pool2d(x, 3), (2, 3, 8, 8), "AdaptiveMaxPool2DBackward0", None),
    (lambda f, x: f.adaptive_max_pool3d(x, 3), (2, 3, 4, 4, 4), "AdaptiveMaxPool3DBackward0", None),
    (lambda f, x: f.max_unpool2d(x, x.detach().long().clamp(0, 15), 2), (2, 3, 4, 4), "MaxUnpool2DBackward0", None),
    (lambda f, x: f.max_unpool1d(x, x.detach().long().clamp(0, 7), 2), (2, 3, 4), "SqueezeBackward1",
     "MaxUnpool2DBackward0"),
    (lambda f, x: f.max_unpool3d(x, x.detach().long().clamp(0, 7), 2), (2, 3, 2, 2, 2), "MaxUnpool3DBackward0",
     None),
]


@pytest.mark.parametrize("fn, shape, name, inner", GRAD_FN, ids=lambda v: v if isinstance(v, str) else "")
def test_grad_fn_names(fn, shape, name, inner):
    for lib in (ember, torch):
        y = fn(F[lib], lib.tensor(np.abs(randn(*shape)), requires_grad=True))
        assert y.grad_fn.name() == name
        if inner is not None:
            assert y.grad_fn.next_functions[0][0].name() == inner


UNPOOL_INDEX = {lib: lib.tensor(torch.nn.functional.max_pool2d(torch.tensor(randn(2, 3, 6, 8, seed=5)), 2,
                                                                 return_indices=True)[1].numpy())
                for lib in (ember, torch)}


@pytest.mark.parametrize("pool", [
    lambda f, x: f.max_pool2d(x, 3, 2, 1), lambda f, x: f.max_pool2d(x, 2), lambda f, x: f.avg_pool2d(x, 3, 2, 1),
    lambda f, x: f.adaptive_avg_pool2d(x, (3, 5)), lambda f, x: f.adaptive_max_pool2d(x, (3, 5)),
    lambda f, x: f.max_pool1d(x[:, :, 0], 3, 2),
    lambda f, x: f.max_unpool2d(x[:, :, :3, :4], UNPOOL_INDEX[lib_of(x)], 2, output_size=(6, 8)),
])
def test_double_backward_through_grad_output(pool):
    x, go, v = randn(2, 3, 7, 8, seed=1), None, None
    results = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = pool(F[lib], xt)
        go = lib.tensor(randn(*y.shape, seed=2), requires_grad=True)
        (gi,) = lib.autograd.grad(y, xt, go, create_graph=True)
        v = lib.tensor(randn(*gi.shape, seed=3))
        (gi * v).sum().backward()
        results.append((gi, go.grad))
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][1], results[1][1])


# -- the seed tutorials --------------------------------------------------------------------------------------------
def test_seed_002_max_unpool2d_example():
    pool = ember.nn.MaxPool2d(2, stride=2, return_indices=True)
    unpool = ember.nn.MaxUnpool2d(2, stride=2)
    input = ember.tensor([[[[1., 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]])
    output, indices = pool(input)
    out = unpool(output, indices, output_size=ember.Size([1, 1, 5, 5]))
    np.testing.assert_array_equal(out.numpy(), [[[[0., 0, 0, 0, 0], [6, 0, 8, 0, 0], [0, 0, 0, 14, 0],
                                                   [16, 0, 0, 0, 0], [0, 0, 0, 0, 0]]]])
    assert indices.dtype == ember.int64
    np.testing.assert_array_equal(indices.numpy(), [[[[5, 7], [13, 15]]]])


def test_seed_002_ceil_mode_example():
    # 5x7 rows of 0..4, 2x2 max pooling: ceil mode keeps the partial windows, floor mode drops them
    x = ember.tensor(np.repeat(np.arange(5.0)[:, None], 5, axis=1)[None, None])
    assert ember.nn.MaxPool2d(2, ceil_mode=True)(x).numpy().ravel().tolist() == [1, 1, 1, 3, 3, 3, 4, 4, 4]
    assert ember.nn.MaxPool2d(2)(x).numpy().ravel().tolist() == [1, 1, 3, 3]


def test_seed_002_lenet_and_shapes():
    x = ember.randn(1, 6, 28, 28)
    assert tuple(ember.nn.functional.max_pool2d(x, (2, 2)).shape) == (1, 6, 14, 14)
    assert tuple(ember.nn.functional.max_pool2d(ember.randn(1, 16, 10, 10), 2).shape) == (1, 16, 5, 5)
    assert tuple(ember.nn.MaxPool2d((3, 2), stride=(2, 1))(ember.randn(1, 1, 9, 8)).shape) == (1, 1, 4, 7)
    assert tuple(ember.nn.AdaptiveMaxPool2d((None, 7))(ember.randn(1, 2, 9, 10)).shape) == (1, 2, 9, 7)


def test_seed_003_max_pool_ceil_mode_values():
    input = ember.tensor([[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]],
                         dtype=ember.float32)
    input = ember.reshape(input, (-1, 1, 5, 5))
    assert tuple(input.shape) == (1, 1, 5, 5)
    out = ember.nn.MaxPool2d(kernel_size=3, ceil_mode=True)(input)
    assert out.dtype == ember.float32
    np.testing.assert_array_equal(out.numpy(), [[[[2., 3.], [5., 1.]]]])
    np.testing.assert_array_equal(ember.nn.MaxPool2d(kernel_size=3)(input).numpy(), [[[[2.]]]])


def test_seed_003_cifar_quick_shapes():
    x = ember.ones((64, 3, 32, 32))
    for _ in range(3):
        x = ember.nn.MaxPool2d(2)(x)
    assert tuple(x.shape) == (64, 3, 4, 4)


# -- bad input -----------------------------------------------------------------------------------------------------
BAD = [
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 2, padding=2), RuntimeError,
     r"^pad should be at most half of effective kernel size, but got pad=2, kernel_size=2.*\nin max_pool2d"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 3, padding=2, dilation=2), RuntimeError,
     r"max_pool2d.*pad should be smaller than or equal to half of kernel size"),
    (lambda f: f.avg_pool2d(randt(2, 3, 5, 5), 2, padding=2), RuntimeError,
     r"^pad should be at most half of effective kernel size.*\nin avg_pool2d"),
    (lambda f: f.max_pool1d(randt(2, 3, 5), 3, padding=2), RuntimeError, r"^pad .*\nin max_pool1d"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 7), RuntimeError,
     r"^Given input size: \(3x5x5\)\. Calculated output size: \(3x0x0\)\. Output size is too small$"),
    (lambda f: f.avg_pool3d(randt(2, 3, 5, 5, 5), (2, 7, 2)), RuntimeError,
     r"^Given input size: \(3x5x5x5\).*\(3x2x0x2\).*too small"),
    (lambda f: f.max_pool2d(randt(5, 5), 2), RuntimeError,
     r"^non-empty 3D or 4D \(batch mode\) tensor expected for input$"),
    (lambda f: f.max_pool1d(randt(2, 3, 4, 5), 2), RuntimeError,
     r"^max_pool1d: Expected 2D or 3D.*got:\[2, 3, 4, 5\]$"),
    (lambda f: f.avg_pool3d(randt(3, 4, 5), 2), RuntimeError, r"^non-empty 4D or 5D \(batch mode\) tensor expected"),
    (lambda f: f.max_pool2d(randt(2, 0, 3, 3), 2), RuntimeError,
     r"^Expected 3D or 4D .*optional 0 dim batch size for input, but got:\[2, 0, 3, 3\]$"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), (2, 2, 2)), RuntimeError,
     r"max_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 2, stride=0), RuntimeError, r"max_pool2d.*stride should not be zero"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 2, dilation=0), RuntimeError,
     r"max_pool2d.*dilation should be greater than zero"),
    (lambda f: f.max_pool2d(randt(2, 3, 5, 5), 2, padding=-1), RuntimeError, r"max_pool2d.*pad must be non-negative"),
    (lambda f: f.avg_pool2d(randt(2, 3, 5, 5), 2, divisor_override=0), RuntimeError,
     r"avg_pool2d.*divisor must be not zero"),
    (lambda f: f.adaptive_avg_pool2d(randt(2, 3, 5, 5), (2, 2, 2)), RuntimeError,
     r"adaptive_avg_pool2d: output_size must be 2"),
    (lambda f: f.adaptive_max_pool2d(randt(5), 2), RuntimeError, r"adaptive_max_pool2d.*Expected 3D or 4D.*\[5\]"),
    (lambda f: f.adaptive_avg_pool2d(randt(2, 3, 5, 5), -1), RuntimeError,
     r"adaptive_avg_pool2d.*greater than or equal to 0"),
    (lambda f: f.adaptive_avg_pool2d(randt(2, 3, 5, 5).long(), 2), NotImplementedError,
     r"adaptive_avg_pool2d.*not implemented for 'Long'"),
    (lambda f: f.max_unpool2d(*pooled(f), 2, output_size=(3, 5, 5)), ValueError,
     r"max_unpool2d.*output_size should be a sequence containing 2 or 4 elements, but it has a length of '3'"),
    (lambda f: f.max_unpool2d(*pooled(f), 2, output_size=(7, 5)), ValueError,
     r"max_unpool2d.*invalid output_size \"\(7, 5\)\" \(dim 0 must be between 2 and 6\)"),
    (lambda f: f.max_unpool2d(pooled(f)[0], pooled(f)[1] * 10, 2), RuntimeError,
     r"max_unpool2d.*Found an invalid max index: \d+ \(output volumes are of size 4x4\)"),
    (lambda f: f.max_unpool2d(pooled(f)[0], pooled(f)[1].int(), 2), RuntimeError,
     r"max_unpool2d.*indices should be type int64 but got: Int"),
    (lambda f: f.max_unpool2d(pooled(f)[0][0, 0], pooled(f)[1][0, 0], 2), RuntimeError,
     r"max_unpool2d.*should be a 3d or 4d Tensor, but got a tensor with 2 dimensions"),
    (lambda f: f.max_unpool2d(pooled(f)[0], pooled(f)[1][:1], 2), RuntimeError,
     r"max_unpool2d.*Expected shape of indices to be same as that of the input tensor \(\[2, 3, 2, 2\]\)"),
]

_LIB = [ember]


def randt(*shape):
    return _LIB[0].tensor(randn(*shape))


def pooled(f):
    return f.max_pool2d(randt(2, 3, 4, 4), 2, return_indices=True)


@pytest.mark.parametrize("fn, exc, match", BAD, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn(ember.nn.functional)
    _LIB[0] = torch
    try:
        with pytest.raises(exc):  # torch rejects the same input with the same exception type
            fn(torch.nn.functional)
    finally:
        _LIB[0] = ember


@pytest.mark.parametrize("layer", [ember.nn.MaxPool2d(5), ember.nn.AvgPool2d(5), ember.nn.LPPool2d(2, 5)])
def test_module_error_is_pytorchs_with_a_note(layer):
    with pytest.raises(RuntimeError, match=r"^Given input size: \(1x3x3\)\. Calculated output size: \(1x0x0\)\. "
                                           r"Output size is too small") as info:
        layer(ember.randn(1, 1, 3, 3))
    assert info.value.__notes__ == [f"in {type(layer).__name__} = {layer!r} called with input of shape (1, 1, 3, 3)"]
