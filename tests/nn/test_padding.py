"""F.pad and the padding layers against PyTorch: every mode in 1-3 dims, gradients, double backward, grad_fn
names, reprs and bad input."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn

PADS = {1: [(1, 2), (0, 3), (-1, 2), (2, -1)],
        2: [(1, 1, 2, 0), (2, 1, 0, 2), (-1, 1, 1, -1)],
        3: [(1, 0, 0, 1, 1, 1), (1, 2, 1, 0, 2, 1), (0, -1, 1, 1, -1, 0)]}
CASES = [(mode, nd, p, batched) for mode in ("constant", "reflect", "replicate", "circular") for nd in (1, 2, 3)
         for p in PADS[nd] for batched in (True, False)]


@pytest.mark.parametrize("mode, nd, pad, batched", CASES, ids=str)
def test_pad_modes(mode, nd, pad, batched):
    shape = (2, 3) + (4, 5, 3)[:nd] if batched else (3,) + (4, 5, 3)[:nd]
    check(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode), randn(*shape))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_float32_and_noncontiguous(mode):
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 2, 2, 1), mode=mode), randn(2, 3, 4, 5, dtype=np.float32))
    check(lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode=mode), randn(2, 3, 5), noncontiguous=True)


@pytest.mark.parametrize("pad, value", [((1, 1), 2.5), ((1, 2, 3, 4, 1, 0, 2, 2), -1.0), ((-1, -1, 2, 0), 0.0),
                                        ((0, 0), 1.0), ((2, 2, 1, 1, 0, 0, 1, 0, 1, 1), 3.0)], ids=str)
def test_constant_pad_any_number_of_dims(pad, value):
    check(lambda lib, x: lib.nn.functional.pad(x, pad, value=value), randn(2, 3, 4, 5, 3))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_double_backward(mode):
    def fn(lib, x):
        y = lib.nn.functional.pad(x, (2, 1, 1, 2), mode=mode)
        (g,) = lib.autograd.grad((y * y * y).sum(), (x,), create_graph=True)
        return (g * g).sum(), g

    check(fn, randn(2, 3, 4, 5))


def test_integer_and_bool_pads():
    x = np.arange(24).reshape(2, 3, 4)
    for mode in ("constant", "reflect", "replicate", "circular"):
        e = ember.nn.functional.pad(ember.tensor(x), (2, 1), mode=mode)
        t = torch.nn.functional.pad(torch.tensor(x), (2, 1), mode=mode)
        assert e.dtype == ember.int64 and e.tolist() == t.tolist()
    e = ember.nn.functional.pad(ember.tensor(x), (1, 1), value=1.5)
    assert e.tolist() == torch.nn.functional.pad(torch.tensor(x), (1, 1), value=1.5).tolist()
    b = ember.nn.functional.pad(ember.tensor(x > 5), (1, 1), value=1)
    expected = torch.nn.functional.pad(torch.tensor(x > 5), (1, 1), value=1)
    assert b.dtype == ember.bool and b.tolist() == expected.tolist()


@pytest.mark.parametrize("mode, shape, name", [
    ("constant", (1, 3, 5, 5), "ConstantPadNdBackward0"), ("reflect", (1, 3, 5), "ReflectionPad1DBackward0"),
    ("reflect", (1, 3, 5, 5), "ReflectionPad2DBackward0"), ("reflect", (1, 1, 3, 5, 5), "ReflectionPad3DBackward0"),
    ("replicate", (1, 3, 5), "ReplicationPad1DBackward0"), ("replicate", (1, 3, 5, 5), "ReplicationPad2DBackward0"),
    ("replicate", (1, 1, 3, 5, 5), "ReplicationPad3DBackward0"),
    ("circular", (1, 3, 5, 5), "CopySlices"),
], ids=str)
def test_grad_fn_names(mode, shape, name):
    x = ember.randn(*shape, requires_grad=True)
    pad = (1, 1) * (len(shape) - 2)
    node = ember.nn.functional.pad(x, pad, mode=mode).grad_fn
    assert type(node).__name__ == node.name() == name
    assert type(torch.nn.functional.pad(torch.randn(*shape, requires_grad=True), pad, mode=mode).grad_fn).__name__ == name


MODULES = [("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 2, 3, 4),)), ("ZeroPad3d", (1,)), ("ZeroPad2d", (2,)),
           ("ConstantPad1d", (2, 3.5)), ("ConstantPad2d", ((1, 2, 3, 4), 1)), ("ConstantPad3d", (1, -1.0)),
           ("ReflectionPad1d", (2,)), ("ReflectionPad2d", ((1, 2, 3, 0),)), ("ReflectionPad3d", (1,)),
           ("ReplicationPad1d", ((1, 2),)), ("ReplicationPad2d", (1,)), ("ReplicationPad3d", (2,)),
           ("CircularPad1d", (1,)), ("CircularPad2d", ((1, 1, 2, 2),)), ("CircularPad3d", (1,))]


@pytest.mark.parametrize("name, args", MODULES, ids=str)
def test_modules(name, args):
    e, t = getattr(ember.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(e) == repr(t)
    assert e.padding == t.padding
    nd = int(name[-2])
    shape = (2, 3, 5, 6, 4)[:nd + 2]
    check(lambda lib, x: {"ember": e, "torch": t}[lib.__name__](x), randn(*shape))
    check(lambda lib, x: {"ember": e, "torch": t}[lib.__name__](x), randn(*shape[1:]))


def test_zero_pad_value_attribute():
    assert ember.nn.ZeroPad2d(2).value == torch.nn.ZeroPad2d(2).value == 0.0


def test_constant_pad_layer_accepts_5d_input():
    check(lambda lib, x: lib.nn.ZeroPad2d(1)(x), randn(1, 2, 3, 4, 5))


@pytest.mark.parametrize("call, exc, msg", [
    (lambda F, x: F.pad(x, (1, 2, 3)), RuntimeError, "Padding length must be divisible by 2"),
    (lambda F, x: F.pad(x, (1, 2), mode="foo"), NotImplementedError, "Unrecognised padding mode foo"),
    (lambda F, x: F.pad(x, (1,) * 10), RuntimeError, "Padding length should be less than or equal to two times"),
    (lambda F, x: F.pad(x, (1, 1), mode="reflect"), NotImplementedError,
     "Padding size 2 is not supported for 4D input tensor"),
    (lambda F, x: F.pad(x, (1,) * 8, mode="replicate"), NotImplementedError, "Padding size 8 is not supported"),
    (lambda F, x: F.pad(x, (8, 1, 1, 1), mode="reflect"), RuntimeError,
     r"Argument #4: Padding size should be less than the corresponding input dimension, but got: padding \(8, 1\) "
     r"at dimension 3 of input \[1, 4, 8, 8\]"),
    (lambda F, x: F.pad(x, (1, 1, 8, 1), mode="reflect"), RuntimeError, "Argument #6: .* at dimension 2"),
    (lambda F, x: F.pad(x, (9, 1, 1, 1), mode="circular"), RuntimeError, "wrapping around more than once"),
    (lambda F, x: F.pad(x, (1, 1), mode="reflect", value=2.5), RuntimeError,
     "Padding mode \"reflect\" doesn't take in value argument"),
    (lambda F, x: F.pad(x, (-5, -5)), RuntimeError, "narrow"),
    (lambda F, x: F.pad(x, (-9, 0, 0, 0), mode="replicate"), RuntimeError, "too small"),
    (lambda F, x: F.pad(x[:, :, :0], (1, 1, 1, 1), mode="replicate"), RuntimeError,
     "Expected 3D or 4D .* non-zero dimensions"),
    (lambda F, x: F.pad(x.bool(), (1, 1, 1, 1), mode="reflect"), NotImplementedError, "reflection_pad2d"),
], ids=["odd", "mode", "too_long", "size2_4d", "size8", "reflect_w", "reflect_h", "circular", "value", "crop",
        "replicate_small", "empty", "bool"])
def test_pad_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(ember.nn.functional, ember.randn(1, 4, 8, 8))
    with pytest.raises(exc):
        call(torch.nn.functional, torch.randn(1, 4, 8, 8))


@pytest.mark.parametrize("name, shape, msg", [("CircularPad2d", (8,), "expected 3D or 4D input (got 1D input)"),
                                              ("CircularPad1d", (8,), "expected 2D or 3D input (got 1D input)"),
                                              ("CircularPad3d", (1, 2, 3, 4, 5, 6), "expected 4D or 5D input")])
def test_circular_layer_checks_rank(name, shape, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        getattr(ember.nn, name)(1)(ember.randn(*shape))


def test_conv_padding_mode_uses_pad():
    # Conv2d(padding_mode='reflect') pads with F.pad then convolves: same as doing it by hand
    m = ember.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")
    x = ember.randn(1, 2, 5, 5)
    ref = ember.nn.functional.conv2d(ember.nn.functional.pad(x, (1, 1, 1, 1), mode="reflect"), m.weight, m.bias)
    np.testing.assert_array_equal(m(x).detach().numpy(), ref.detach().numpy())
