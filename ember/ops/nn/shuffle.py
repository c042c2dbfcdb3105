"""Channel/space rearrangements: ``pixel_shuffle`` / ``pixel_unshuffle`` (channels <-> r x r blocks) and
``channel_shuffle``. Each is a reshape-transpose-reshape whose backward is the inverse rearrangement."""
from __future__ import annotations

import numpy as np

from ...autograd.function import Op
from .._util import not_implemented

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]


def _pixel_shuffle_np(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    nl = len(lead)
    v = x.reshape(*lead, c // (r * r), r, r, h, w)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2))
    return v.transpose(perm).reshape(*lead, c // (r * r), h * r, w * r)


def _pixel_unshuffle_np(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    nl = len(lead)
    v = x.reshape(*lead, c, h // r, r, w // r, r)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3))
    return v.transpose(perm).reshape(*lead, c * r * r, h // r, w // r)


class PixelShuffleBackward0(Op):
    """``pixel_shuffle``; its gradient is ``pixel_unshuffle``."""

    @staticmethod
    def forward(ctx, x, *, r):
        ctx.r = r
        return _pixel_shuffle_np(x, r)

    @staticmethod
    def backward(ctx, g):
        return PixelUnshuffleBackward0.apply(g, r=ctx.r)


class PixelUnshuffleBackward0(Op):
    """``pixel_unshuffle``; its gradient is ``pixel_shuffle``."""

    @staticmethod
    def forward(ctx, x, *, r):
        ctx.r = r
        return _pixel_unshuffle_np(x, r)

    @staticmethod
    def backward(ctx, g):
        return PixelShuffleBackward0.apply(g, r=ctx.r)


def pixel_shuffle(input, upscale_factor: int):
    """(*, C * r**2, H, W) -> (*, C, H * r, W * r): each group of r**2 channels becomes an r x r block."""
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return PixelShuffleBackward0.apply(input, r=r)


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H * r, W * r) -> (*, C * r**2, H, W), the inverse of :func:`pixel_shuffle`."""
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for axis, name in ((-2, "height"), (-1, "width")):
        if input.shape[axis] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({axis})={input.shape[axis]} is not divisible by {r}")
    return PixelUnshuffleBackward0.apply(input, r=r)


def _channel_shuffle_np(x: np.ndarray, groups: int) -> np.ndarray:
    n, c = x.shape[0], x.shape[1]
    rest = x.shape[2:]
    return x.reshape(n, groups, c // groups, *rest).swapaxes(1, 2).reshape(x.shape)


class ChannelShuffleBackward0(Op):
    """``channel_shuffle``; its gradient is the shuffle back."""

    @staticmethod
    def forward(ctx, x, *, groups):
        ctx.groups = groups
        return _channel_shuffle_np(x, groups)

    @staticmethod
    def backward(ctx, g):
        return ChannelShuffleBackward0.apply(g, groups=g.shape[1] // ctx.groups)


def channel_shuffle(input, groups: int):
    """(N, C, *): split C into ``groups`` groups and interleave them (channel g*k + i -> i*groups + g)."""
    _check_channel_shuffle(input, groups)
    return ChannelShuffleBackward0.apply(input, groups=groups)


def _check_channel_shuffle(input, groups: int) -> None:
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")


# PyTorch's native_channel_shuffle has no derivative: its node is NotImplemented, whose backward raises
_NATIVE_CHANNEL_SHUFFLE = not_implemented(ChannelShuffleBackward0, "native_channel_shuffle")


def native_channel_shuffle(input, groups: int):
    """:func:`channel_shuffle` without a derivative, as in PyTorch."""
    _check_channel_shuffle(input, groups)
    return _NATIVE_CHANNEL_SHUFFLE.apply(input, groups=groups)
