"""Shared checks: run the same draws on ember and PyTorch from the same seed and demand the same bits."""
import numpy as np
import torch

import ember


def assert_same_bits(mine, theirs, what) -> None:
    a = mine.detach().numpy() if hasattr(mine, "detach") else np.asarray(mine)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape, (what, a.dtype, b.dtype, a.shape, b.shape)
    same = np.array_equal(np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))
    assert same, (what, int((a != b).sum()), a.ravel()[:4], b.ravel()[:4])


def assert_same_state(what) -> None:
    assert_same_bits(ember.get_rng_state(), torch.get_rng_state(), f"{what}: generator state afterwards")


def both(fn, seed: int, what):
    """``fn(lib)`` after ``lib.manual_seed(seed)`` on both libraries: same values, same generator state after."""
    torch.manual_seed(seed)
    theirs = fn(torch)
    ember.manual_seed(seed)
    mine = fn(ember)
    assert_same_bits(mine, theirs, what)
    assert_same_state(what)
