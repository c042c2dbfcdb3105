"""Conv1d/2d/3d and ConvTranspose1d/2d/3d against PyTorch: outputs, input/weight/bias gradients, double backward,
reprs, initialisation, the seed examples and bad input."""
import itertools
import math

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, copy_weights, randn

CONV = {1: (ember.nn.Conv1d, torch.nn.Conv1d), 2: (ember.nn.Conv2d, torch.nn.Conv2d),
        3: (ember.nn.Conv3d, torch.nn.Conv3d)}
CONV_T = {1: (ember.nn.ConvTranspose1d, torch.nn.ConvTranspose1d),
          2: (ember.nn.ConvTranspose2d, torch.nn.ConvTranspose2d),
          3: (ember.nn.ConvTranspose3d, torch.nn.ConvTranspose3d)}


def _check(e, t, *inputs, **tol):
    """check_module with both layers in the inputs' float dtype."""
    if inputs[0].dtype == np.float64:
        e, t = e.double(), t.double()
    return check_module(e, t, *inputs, **tol)


def _pair(nd, *args, **kwargs):
    e_cls, t_cls = CONV[nd]
    return e_cls(*args, **kwargs), t_cls(*args, **kwargs)


# stride x padding x dilation x groups x padding_mode x bias, 2-D, float64
GRID_2D = [dict(stride=s, padding=p, dilation=d, groups=g, padding_mode=m, bias=b)
           for s, p, d, g, m, b in itertools.product((1, 2), (0, 1, "same"), (1, 2), (1, 2), ("zeros", "reflect"),
                                                     (True, False))
           if not (p == "same" and s != 1) and not (m == "reflect" and (d == 2 or b))]
GRID_2D += [dict(padding=(1, 2), padding_mode=m) for m in ("replicate", "circular")]
GRID_2D += [dict(stride=(2, 1), padding=(2, 0), dilation=(1, 2)), dict(padding="valid"), dict(kernel_size=(2, 4),
            padding="same"), dict(kernel_size=4, padding="same", dilation=(1, 2), padding_mode="circular")]


@pytest.mark.parametrize("kwargs", GRID_2D, ids=str)
def test_conv2d_grid(kwargs):
    kwargs = dict(kwargs)
    kernel = kwargs.pop("kernel_size", 3)
    e, t = _pair(2, 4, 6, kernel, **kwargs)
    _check(e, t, randn(2, 4, 7, 8))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, groups=2), dict(padding="same", dilation=2),
                                    dict(padding=1, padding_mode="circular", bias=False)], ids=str)
def test_conv2d_float32(kwargs):
    e, t = _pair(2, 4, 6, 3, **kwargs)
    _check(e, t, randn(3, 4, 9, 9, dtype=np.float32))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=4, bias=False),
                                    dict(padding="same", padding_mode="reflect"), dict(padding=1,
                                    padding_mode="replicate"), dict(padding=(1,), padding_mode="circular")], ids=str)
def test_conv1d(kwargs):
    e, t = _pair(1, 4, 8, 3, **kwargs)
    _check(e, t, randn(2, 4, 11))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=(1, 2, 2), padding=1), dict(dilation=2, groups=2),
                                    dict(padding="same"), dict(padding=1, padding_mode="reflect")], ids=str)
def test_conv3d(kwargs):
    e, t = _pair(3, 2, 4, 3, **kwargs)
    _check(e, t, randn(2, 2, 6, 7, 6))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_conv(dtype):
    e, t = _pair(2, 6, 12, 3, groups=6, padding=1)
    _check(e, t, randn(2, 6, 8, 8, dtype=dtype))


def test_unbatched_and_noncontiguous_input():
    e, t = _pair(2, 3, 4, 3)
    _check(e, t, randn(3, 6, 6))
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1), randn(2, 3, 5, 6), randn(4, 3, 3, 3),
          randn(4), noncontiguous=True)


def test_larger_batch_uses_several_chunks():
    # more images than one column chunk holds: exercises the chunk loop and its last, partial chunk
    e, t = _pair(2, 16, 8, 5, padding=2)
    _check(e, t, randn(37, 16, 20, 20))


# The seed networks' layers, at a batch that still spans several column chunks: each takes another column layout
# (channel-major for 3 input channels, channels-last with several output positions per GEMM row for few output
# channels, plain channels-last), and their input gradients take col2im or the flipped-kernel convolution.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("args, kwargs, shape", [
    ((3, 6, 5), {}, (5, 3, 32, 32)), ((6, 16, 5), {}, (9, 6, 14, 14)), ((3, 32, 5), dict(padding=2), (3, 3, 32, 32)),
    ((32, 32, 5), dict(padding=2), (16, 32, 16, 16)), ((32, 64, 5), dict(padding=2), (11, 32, 8, 8)),
    ((5, 3, (3, 4)), dict(padding=(1, 0)), (3, 5, 9, 10)),
    # one chunk of many input channels: weight gradient as g @ cols (batch 1: g a view; batch 2: g copied)
    ((32, 32, 5), dict(padding=2), (1, 32, 16, 16)), ((32, 64, 5), dict(padding=2), (1, 32, 8, 8)),
    ((16, 24, (3, 2)), dict(stride=(1, 2)), (2, 16, 6, 7)),
], ids=["lenet1", "lenet2", "cifar1", "cifar2", "cifar3", "blocks_overhang", "cifar2_b1", "cifar3_b1",
        "one_chunk_b2"])
def test_seed_layer_shapes(args, kwargs, shape, dtype):
    e, t = _pair(2, *args, **kwargs)
    # float32 sums of up to a few thousand products (weight gradients) round differently from PyTorch's order
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else {}
    _check(e, t, randn(*shape, dtype=dtype), **tol)


@pytest.mark.parametrize("args, kwargs, shape", [
    ((3, 6, 5), {}, (5, 3, 12, 12)), ((3, 32, 5), dict(padding=2), (4, 3, 10, 10)),
    ((16, 8, 3), dict(padding=1), (7, 16, 9, 9)), ((4, 6, 3), dict(stride=2, groups=2), (3, 4, 9, 9)),
], ids=["lenet1", "cifar1", "channels_last", "strided_groups"])
def test_batch_halves_on_two_threads(monkeypatch, args, kwargs, shape):
    # the batch split over two threads (taken with single-threaded BLAS and a large batch): same values as
    # PyTorch, and the same bits on every run (the halves' weight gradients are added in a fixed order)
    from ember.ops.kernels import conv_im2col as _im2col
    monkeypatch.setattr(_im2col, "_PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(_im2col, "_PARALLEL_MIN_POSITIONS", 0)
    monkeypatch.setattr(_im2col, "single_threaded_blas", lambda: True)
    splits = []

    def over_blocks(fn, items, blocks):
        splits.append(blocks)
        over_blocks_on_threads(fn, items, blocks)
    over_blocks_on_threads = _im2col._over_blocks
    monkeypatch.setattr(_im2col, "_over_blocks", over_blocks)
    e, t = _pair(2, *args, **kwargs)
    x = randn(*shape)
    _check(e, t, x)
    assert splits == [2, 2, 2]  # forward, weight gradient, input gradient
    runs = []
    for _ in range(3):
        e.zero_grad()
        xe = ember.tensor(x, requires_grad=True)
        y = e(xe)
        (y * y).sum().backward()
        runs.append((y.detach().numpy().copy(), xe.grad.numpy().copy(), e.weight.grad.numpy().copy()))
    for later in runs[1:]:
        for a, b in zip(runs[0], later):
            assert np.array_equal(a, b)


def test_work_buffers_reused_across_geometries():
    # padded buffers and gradient grids are reused by same-shaped calls: a different padding (or output size)
    # with the same buffer shape must not see another call's values where it expects zeros
    calls = [(dict(padding=1), (2, 4, 7, 8)), (dict(padding=0), (2, 4, 9, 10)), (dict(padding=(2, 0)), (2, 4, 5, 10)),
             (dict(padding=1), (2, 4, 7, 8))]
    for kwargs, shape in calls:
        for o in (6, 32):
            _check(*_pair(2, 4, o, 3, **kwargs), randn(*shape))


@pytest.mark.parametrize("fn, x, w", [
    ("conv1d", (2, 4, 9), (6, 2, 3)), ("conv2d", (2, 4, 7, 7), (6, 2, 3, 3)),
    ("conv3d", (1, 4, 5, 5, 5), (6, 2, 3, 3, 3)),
], ids=["1d", "2d", "3d"])
def test_functional_conv(fn, x, w):
    check(lambda lib, a, b, c: getattr(lib.nn.functional, fn)(a, b, c, stride=2, padding=1, groups=2),
          randn(*x), randn(*w, seed=1), randn(w[0], seed=2))
    check(lambda lib, a, b: getattr(lib.nn.functional, fn)(a, b, padding="same", dilation=2), randn(*x),
          randn(w[0], w[1] * 2, *w[2:], seed=1))


TRANSPOSE_GRID = [dict(stride=s, padding=p, output_padding=op, groups=g, dilation=d)
                  for s, p, op, g, d in itertools.product((1, 2, 3), (0, 1), (0, 1), (1, 2), (1, 2))
                  if op < max(s, d)]


@pytest.mark.parametrize("kwargs", TRANSPOSE_GRID, ids=str)
def test_conv_transpose2d_grid(kwargs):
    e_cls, t_cls = CONV_T[2]
    _check(e_cls(4, 6, 3, **kwargs), t_cls(4, 6, 3, **kwargs), randn(2, 4, 5, 6))


@pytest.mark.parametrize("nd", [1, 3])
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1, groups=2, bias=False),
                                    dict(dilation=2, padding=2)], ids=str)
def test_conv_transpose_1d_3d(nd, kwargs):
    e_cls, t_cls = CONV_T[nd]
    _check(e_cls(4, 2, 3, **kwargs), t_cls(4, 2, 3, **kwargs), randn(2, 4, *(4,) * nd))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 3, 6, 6), (3, 6, 6)], ids=["batched", "unbatched"])
def test_conv_transpose_dtypes_and_unbatched(shape, dtype):
    e_cls, t_cls = CONV_T[2]
    _check(e_cls(3, 5, 4, stride=2, padding=1), t_cls(3, 5, 4, stride=2, padding=1), randn(*shape, dtype=dtype))


@pytest.mark.parametrize("output_size", [[17, 17], [18, 18], [17, 18], [2, 6, 18, 17]], ids=str)
def test_conv_transpose_output_size(output_size):
    e_cls, t_cls = CONV_T[2]
    mods = {"ember": e_cls(4, 6, 3, stride=2).double(), "torch": t_cls(4, 6, 3, stride=2).double()}
    copy_weights(mods["ember"], mods["torch"])
    out = check(lambda lib, a: mods[lib.__name__](a, output_size=output_size), randn(2, 4, 8, 8))
    assert list(out[0].shape[2:]) == output_size[-2:]


def test_conv_transpose_output_size_errors():
    m = ember.nn.ConvTranspose2d(4, 6, 3, stride=2)
    with pytest.raises(ValueError, match=r"requested an output size of \[20, 20\], but valid sizes range from "
                                         r"\[17, 17\] to \[18, 18\]"):
        m(ember.randn(2, 4, 8, 8), output_size=[20, 20])
    with pytest.raises(ValueError, match="ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements"):
        m(ember.randn(2, 4, 8, 8), output_size=[6, 18, 18])


@pytest.mark.parametrize("fn, x, w", [
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3)), ("conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 2)),
    ("conv_transpose3d", (1, 4, 3, 4, 3), (4, 3, 2, 3, 2)),
], ids=["1d", "2d", "3d"])
def test_functional_conv_transpose(fn, x, w):
    check(lambda lib, a, b, c: getattr(lib.nn.functional, fn)(a, b, c, stride=2, padding=1, output_padding=1,
                                                               groups=2, dilation=1),
          randn(*x), randn(*w, seed=1), randn(w[1] * 2, seed=2))


# -- double backward -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, groups=2), dict(dilation=2, padding=1)], ids=str)
def test_double_backward(transposed, kwargs):
    def fn(lib, x, w):
        conv = lib.nn.functional.conv_transpose2d if transposed else lib.nn.functional.conv2d
        y = conv(x, w, **kwargs)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum(), gx, gw

    w_shape = (4, 2, 3, 3) if transposed else (4, 4 // kwargs.get("groups", 1), 3, 3)
    check(fn, randn(2, 4, 6, 6), randn(*w_shape, seed=1))


# -- names, reprs, initialisation, seeds -----------------------------------------------------------------------
def test_grad_fn_names():
    x = ember.randn(1, 3, 5, 5, requires_grad=True)
    assert ember.nn.functional.conv2d(x, ember.randn(2, 3, 3, 3)).grad_fn.name() == "ConvolutionBackward0"
    assert ember.nn.functional.conv_transpose2d(x, ember.randn(3, 2, 3, 3)).grad_fn.name() == "ConvolutionBackward0"
    assert ember.nn.functional.conv1d(x[:, :, 0], ember.randn(2, 3, 3)).grad_fn.name() == "ConvolutionBackward0"


REPRS = [(2, (3, 6, 5), {}), (2, (16, 33, (3, 5)), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1))),
         (2, (16, 32, 3), dict(padding="same", bias=False, groups=4, padding_mode="reflect")),
         (1, (16, 32, 3), dict(padding="valid")), (3, (4, 8, 3), {}), (3, (4, 8, (1, 2, 3)), dict(padding=1)),
         (1, (2, 4, 3), dict(padding_mode="circular", padding=1))]


@pytest.mark.parametrize("nd, args, kwargs", REPRS, ids=str)
def test_repr(nd, args, kwargs):
    e, t = _pair(nd, *args, **kwargs)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("nd, kwargs", [(2, dict(stride=2, padding=1)), (1, {}),
                                        (2, dict(output_padding=1, groups=2, dilation=2, stride=2, bias=False)),
                                        (3, dict(padding=(1, 0, 1)))], ids=str)
def test_conv_transpose_repr(nd, kwargs):
    e_cls, t_cls = CONV_T[nd]
    assert repr(e_cls(16, 16, 3, **kwargs)) == repr(t_cls(16, 16, 3, **kwargs))


def test_attributes_and_state_dict_match_torch():
    e, t = _pair(2, 4, 8, 3, stride=2, padding=(1, 2), groups=2)
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
                 "output_padding", "groups", "padding_mode"):
        assert getattr(e, name) == getattr(t, name), name
    assert list(e.state_dict()) == list(t.state_dict())
    assert tuple(e.weight.shape) == tuple(t.weight.shape)


@pytest.mark.parametrize("cls, shape", [(ember.nn.Conv2d, (32, 16, 5, 5)), (ember.nn.ConvTranspose2d, (16, 32, 5, 5))])
def test_default_init_bounds(cls, shape):
    ember.manual_seed(0)
    m = cls(16, 32, 5)
    assert tuple(m.weight.shape) == shape
    bound = 1 / math.sqrt(shape[1] * 25)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(w.mean()) < 0.05 * bound
    assert np.abs(b).max() <= bound
    assert w.dtype == np.float32


def test_dtype_argument():
    m = ember.nn.Conv2d(2, 3, 3, dtype=ember.float64)
    assert m.weight.dtype == ember.float64 and m.bias.dtype == ember.float64


def test_seed_002_groups_weight_sizes():
    # seed 002: in_channels=6, kernel_size=1 with groups 1, 2 and 6
    for out, groups, size in [(3, 1, [3, 6, 1, 1]), (6, 2, [6, 3, 1, 1]), (6, 6, [6, 1, 1, 1])]:
        conv = ember.nn.Conv2d(in_channels=6, out_channels=out, kernel_size=1, groups=groups)
        assert conv.weight.data.size() == ember.Size(size)


SEED_003_INPUT = [[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]]
SEED_003_KERNEL = [[1, 2, 1], [0, 1, 0], [2, 1, 0]]


def test_seed_003_integer_conv2d():
    # torch 2.13 convolves int64 tensors exactly and returns int64
    x = ember.reshape(ember.tensor(SEED_003_INPUT), (1, 1, 5, 5))
    k = ember.reshape(ember.tensor(SEED_003_KERNEL), (1, 1, 3, 3))
    F = ember.nn.functional
    out = F.conv2d(x, k, stride=1)
    assert out.dtype == ember.int64
    assert out.tolist() == [[[[10, 12, 12], [18, 16, 16], [13, 9, 3]]]]
    assert F.conv2d(x, k, stride=2).tolist() == [[[[10, 12], [13, 3]]]]
    assert F.conv2d(x, k, stride=1, padding=1).tolist() == [[[[1, 3, 4, 10, 8], [5, 10, 12, 12, 6],
                                                              [7, 18, 16, 16, 8], [11, 13, 9, 3, 4],
                                                              [14, 13, 9, 7, 4]]]]
    xt = torch.reshape(torch.tensor(SEED_003_INPUT), (1, 1, 5, 5))
    kt = torch.reshape(torch.tensor(SEED_003_KERNEL), (1, 1, 3, 3))
    assert_close(F.conv2d(x, k, stride=2, padding=2), torch.nn.functional.conv2d(xt, kt, stride=2, padding=2))


def test_seed_003_cifar_shapes():
    ember.manual_seed(0)
    conv = ember.nn.Conv2d(in_channels=3, out_channels=6, kernel_size=3, stride=1, padding=0)
    assert conv(ember.randn(4, 3, 32, 32)).shape == ember.Size([4, 6, 30, 30])
    assert ember.nn.Conv2d(3, 32, 5, padding=2)(ember.randn(2, 3, 32, 32)).shape == ember.Size([2, 32, 32, 32])


def test_float32_stays_float32():
    m = ember.nn.Conv2d(3, 4, 3)
    x = ember.randn(2, 3, 6, 6, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == m.weight.grad.dtype == ember.float32


# -- bad input -------------------------------------------------------------------------------------------------
def test_wrong_channel_count_is_pytorchs_message_with_a_note():
    m = ember.nn.Conv2d(3, 6, 5)
    with pytest.raises(RuntimeError) as info:
        m(ember.randn(1, 1, 32, 32))
    assert str(info.value) == ("Given groups=1, weight of size [6, 3, 5, 5], expected input[1, 1, 32, 32] to have 3 "
                               "channels, but got 1 channels instead")
    assert info.value.__notes__ == ["in Conv2d = Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1)) called with input of "
                                    "shape (1, 1, 32, 32)"]


def test_errors_after_a_good_call_of_the_same_layer():
    # checked arguments are remembered by shape: another shape must still be checked
    m = ember.nn.Conv2d(3, 6, 5)
    m(ember.randn(1, 3, 8, 8))
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 4 channels"):
        m(ember.randn(1, 4, 8, 8))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        m(ember.randn(1, 3, 4, 8))
    assert m(ember.randn(3, 8, 8)).shape == ember.Size([6, 4, 4])


def test_kernel_larger_than_input():
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(4 x 4\). Kernel size: "
                                           r"\(5 x 5\). Kernel size can't be greater than actual input size"):
        ember.nn.Conv2d(3, 6, 5)(ember.randn(1, 3, 4, 4))
    with pytest.raises(RuntimeError, match=r"Kernel size: \(9 x 3\)"):
        ember.nn.functional.conv2d(ember.randn(1, 4, 8, 8), ember.randn(6, 4, 3, 3), dilation=(4, 1))


@pytest.mark.parametrize("shape, msg", [
    ((32, 32), "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [32, 32]"),
    ((1, 1, 1, 3, 32, 32), "Expected 3D (unbatched) or 4D (batched) input to conv2d"),
])
def test_wrong_rank(shape, msg):
    with pytest.raises(RuntimeError) as info:
        ember.nn.Conv2d(3, 6, 5)(ember.randn(*shape))
    assert str(info.value).startswith(msg)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(in_channels=3, out_channels=6, kernel_size=3, groups=2), "in_channels must be divisible by groups"),
    (dict(in_channels=4, out_channels=6, kernel_size=3, groups=4), "out_channels must be divisible by groups"),
    (dict(in_channels=4, out_channels=6, kernel_size=3, groups=0), "groups must be a positive integer"),
    (dict(in_channels=4, out_channels=6, kernel_size=3, padding_mode="foo"),
     "padding_mode must be one of {.*}, but got padding_mode='foo'"),
    (dict(in_channels=4, out_channels=6, kernel_size=3, padding="same", stride=2),
     "padding='same' is not supported for strided convolutions"),
    (dict(in_channels=4, out_channels=6, kernel_size=3, padding="bad"), "Invalid padding string 'bad'"),
], ids=["in_groups", "out_groups", "groups0", "mode", "same_strided", "bad_string"])
def test_constructor_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ember.nn.Conv2d(**kwargs)
    with pytest.raises(ValueError):
        torch.nn.Conv2d(**kwargs)


def test_conv_transpose_padding_mode_error():
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        ember.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")


def test_negative_padding_fails_at_forward_like_torch():
    m = ember.nn.Conv2d(4, 6, 3, padding=-1)  # PyTorch accepts it in the constructor
    with pytest.raises(RuntimeError, match="negative padding is not supported"):
        m(ember.randn(1, 4, 8, 8))


@pytest.mark.parametrize("call, exc, msg", [
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3, dtype=ember.float64)), RuntimeError,
     "expected scalar type Float but found Double"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), ember.randn(6, dtype=ember.float64)), RuntimeError,
     r"Input type \(float\) and bias type \(double\) should be the same"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), ember.randn(5)), RuntimeError,
     r"expected bias to be 1-dimensional with 6 elements, but got bias of size \[5\]"),
    (lambda F, x: F.conv2d(x, ember.randn(5, 2, 3, 3), groups=2), RuntimeError,
     "expected weight to be divisible by 2 at dimension 0"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), stride=0), RuntimeError, "non-positive stride"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), dilation=0), RuntimeError, "dilation should be greater"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), stride=(1, 2, 3)), RuntimeError,
     "expected stride to be a single integer value or a list of 2 values"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3)), RuntimeError, "a list of 1 values"),
    (lambda F, x: F.conv2d(x, ember.randn(6, 4, 3, 3), padding="same", stride=2), RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (lambda F, x: F.conv2d(x.bool(), ember.randn(6, 4, 3, 3).bool()), NotImplementedError,
     "not implemented for 'Bool'"),
    (lambda F, x: F.conv_transpose2d(x, ember.randn(3, 6, 3, 3)), RuntimeError,
     r"Given transposed=1, weight of size \[3, 6, 3, 3\], expected input\[1, 4, 8, 8\] to have 3 channels"),
    (lambda F, x: F.conv_transpose2d(x, ember.randn(4, 3, 3, 3), stride=2, output_padding=2), RuntimeError,
     "output padding must be smaller than either stride or dilation"),
    (lambda F, x: F.conv_transpose2d(x[:, :, :1, :1], ember.randn(4, 3, 3, 3), padding=2), RuntimeError,
     "Output size is too small"),
], ids=["dtype", "bias_dtype", "bias_size", "groups", "stride", "dilation", "stride_len", "weight_rank", "same",
        "bool", "transposed_channels", "output_padding", "too_small"])
def test_functional_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(ember.nn.functional, ember.randn(1, 4, 8, 8))


@pytest.mark.parametrize("groups, stride", [(2, 2), (1, 1)], ids=["channel_major", "channels_last"])
def test_integer_conv_matches_torch_with_groups(groups, stride):
    x = np.arange(2 * 4 * 6 * 6).reshape(2, 4, 6, 6) % 7
    w = np.arange(6 * (4 // groups) * 3 * 3).reshape(6, 4 // groups, 3, 3) % 5 - 2
    e = ember.nn.functional.conv2d(ember.tensor(x), ember.tensor(w), stride=stride, padding=1, groups=groups)
    t = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=stride, padding=1, groups=groups)
    assert_close(e, t)
