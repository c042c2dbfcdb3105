"""PixelShuffle, PixelUnshuffle, ChannelShuffle and their functional forms against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("r,shape", [(2, (1, 8, 2, 3)), (3, (2, 9, 2, 2)), (1, (2, 3, 4, 4)), (2, (4, 3, 2)),
                                     (2, (2, 2, 8, 3, 3))])
def test_pixel_shuffle_and_unshuffle(r, shape, dtype):
    e, t = ember.nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(e) == repr(t) == f"PixelShuffle(upscale_factor={r})"
    out = check(lambda lib, x: (e if lib is ember else t)(x), randn(*shape, dtype=dtype), noncontiguous=True)
    assert out[0].grad_fn.name() == "PixelShuffleBackward0"
    inverse = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    e, t = ember.nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(e) == repr(t) == f"PixelUnshuffle(downscale_factor={r})"
    out = check(lambda lib, x: (e if lib is ember else t)(x), randn(*inverse, dtype=dtype))
    assert out[0].grad_fn.name() == "PixelUnshuffleBackward0"


def test_pixel_shuffle_round_trip_and_double_backward():
    x = ember.randn(2, 12, 3, 3)
    F = ember.nn.functional
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())

    def f(lib, x):
        y = lib.nn.functional.pixel_shuffle(x, 2)
        (g,) = lib.autograd.grad((y ** 3).sum(), x, create_graph=True)
        return g

    check(f, randn(1, 4, 2, 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("groups,shape", [(2, (2, 4, 3)), (3, (1, 6, 2, 2)), (1, (2, 3, 2)), (4, (2, 8, 1, 2, 2))])
def test_channel_shuffle(groups, shape, dtype):
    e, t = ember.nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
    assert repr(e) == repr(t) == f"ChannelShuffle(groups={groups})"
    out = check(lambda lib, x: (e if lib is ember else t)(x), randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "ChannelShuffleBackward0"
    check(lambda lib, x: lib.nn.functional.channel_shuffle(x, groups), randn(*shape, dtype=dtype))


@pytest.mark.parametrize("fn,shape,arg,message", [
    ("pixel_shuffle", (1, 7, 2, 2), 2, r"divisible by the square of upscale_factor, but input.size\(-3\)=7 is not "
                                       "divisible by 4"),
    ("pixel_shuffle", (7, 2), 2, r"at least 3 dimensions, but got input with 2 dimension\(s\)"),
    ("pixel_shuffle", (1, 4, 2, 2), 0, "expects a positive upscale_factor, but got 0"),
    ("pixel_unshuffle", (1, 2, 5, 4), 2, r"expects height to be divisible by downscale_factor, but input.size\(-2\)=5"),
    ("pixel_unshuffle", (1, 2, 4, 3), 2, r"expects width to be divisible by downscale_factor, but input.size\(-1\)=3"),
    ("pixel_unshuffle", (1, 2, 4, 4), -1, "expects a positive downscale_factor, but got -1"),
    ("channel_shuffle", (1, 5, 2, 2), 2, "Number of channels must be divisible by groups. Got 5 channels and 2 groups"),
    ("channel_shuffle", (2, 4), 2, r"expects input with > 2 dims, but got input with sizes \[2, 4\]"),
    ("channel_shuffle", (2, 4, 3), 0, "Number of groups to divide channels in must be positive. Value of groups:0"),
])
def test_shuffle_bad_input(fn, shape, arg, message):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=message):
            getattr(lib.nn.functional, fn)(lib.zeros(*shape), arg)
