"""F.unfold / F.fold and nn.Unfold / nn.Fold against PyTorch: values, gradients, double backward, reprs, errors."""
import itertools

import numpy as np
import pytest
import torch

import ember
from oracle import check, randn

GRID = [dict(kernel_size=k, dilation=d, padding=p, stride=s)
        for k, d, p, s in itertools.product((2, (2, 3)), (1, 2), (0, 1), (1, (2, 1)))]


def _blocks(size, k, d, p, s):
    k, d, p, s = ((v, v) if isinstance(v, int) else v for v in (k, d, p, s))
    return [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(size, k, d, p, s)]


@pytest.mark.parametrize("kwargs", GRID, ids=str)
def test_unfold(kwargs):
    check(lambda lib, x: lib.nn.functional.unfold(x, **kwargs), randn(2, 3, 6, 7))


@pytest.mark.parametrize("kwargs", GRID, ids=str)
def test_fold(kwargs):
    k = kwargs["kernel_size"]
    kk = k * k if isinstance(k, int) else k[0] * k[1]
    blocks = _blocks((6, 7), k, kwargs["dilation"], kwargs["padding"], kwargs["stride"])
    check(lambda lib, x: lib.nn.functional.fold(x, (6, 7), **kwargs), randn(2, 3 * kk, blocks[0] * blocks[1]))


def test_float32_unbatched_and_noncontiguous():
    check(lambda lib, x: lib.nn.functional.unfold(x, 3, padding=1), randn(2, 4, 5, 5, dtype=np.float32))
    check(lambda lib, x: lib.nn.functional.unfold(x, 2), randn(3, 5, 6))
    check(lambda lib, x: lib.nn.functional.fold(x, (4, 5), 2), randn(12, 12))
    check(lambda lib, x: lib.nn.functional.unfold(x, 2, stride=2), randn(2, 3, 6, 6), noncontiguous=True)


def test_double_backward():
    def fn(lib, x):
        cols = lib.nn.functional.unfold(x, 3, padding=1)
        y = lib.nn.functional.fold(cols * cols, (5, 6), 3, padding=1)
        (g,) = lib.autograd.grad((y * y).sum(), (x,), create_graph=True)
        return (g * g).sum(), g

    check(fn, randn(2, 2, 5, 6))


def test_fold_of_unfold_counts_overlaps():
    x = ember.ones(1, 1, 4, 4)
    counts = ember.nn.functional.fold(ember.nn.functional.unfold(x, 2), (4, 4), 2)
    assert counts[0, 0].tolist() == [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]


def test_grad_fn_names():
    x = ember.randn(1, 2, 4, 4, requires_grad=True)
    cols = ember.nn.functional.unfold(x, 2)
    assert cols.grad_fn.name() == "Im2ColBackward0"
    assert ember.nn.functional.fold(cols, (4, 4), 2).grad_fn.name() == "Col2ImBackward0"


@pytest.mark.parametrize("args", [("Unfold", (3,), {}), ("Unfold", ((2, 3),), dict(dilation=2, padding=1, stride=2)),
                                  ("Fold", ((4, 5), 2), {}), ("Fold", (4, (2, 3), 1, 1, 2), {})], ids=str)
def test_module_repr(args):
    name, a, kw = args
    assert repr(getattr(ember.nn, name)(*a, **kw)) == repr(getattr(torch.nn, name)(*a, **kw))


def test_modules_match_functional():
    mods = {"ember": (ember.nn.Unfold(2, stride=2), ember.nn.Fold((6, 6), 2, stride=2)),
            "torch": (torch.nn.Unfold(2, stride=2), torch.nn.Fold((6, 6), 2, stride=2))}

    def fn(lib, x):
        unfold, fold = mods[lib.__name__]
        return fold(unfold(x) * 2)

    check(fn, randn(2, 3, 6, 6))


@pytest.mark.parametrize("call, exc, msg", [
    (lambda F, lib: F.unfold(lib.randn(8, 8), 3), IndexError, "Dimension out of range"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 8, 8, 8), 3), RuntimeError, "Expected 3D or 4D"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 2, 2), 3), RuntimeError,
     r"calculated shape of the array of sliding blocks as \(0, 0\)"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 8, 8), 3, stride=0), RuntimeError, "stride should be greater than zero"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 8, 8), 3, padding=-1), RuntimeError, "padding should be non-negative"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 8, 8), (3, 3, 3)), RuntimeError,
     "It is expected kernel_size equals to 2, but got size 3"),
    (lambda F, lib: F.unfold(lib.randn(2, 3, 8, 8).long(), 3), NotImplementedError, "im2col_out_cpu"),
    (lambda F, lib: F.fold(lib.randn(2, 26, 36), (8, 8), 3), RuntimeError,
     r"divisible by the product of kernel_size, but got input.size\(1\)=26"),
    (lambda F, lib: F.fold(lib.randn(2, 27, 35), (8, 8), 3), RuntimeError,
     r"calculated number of sliding blocks 6 \* 6 = 36, but got input.size\(2\)=35"),
    (lambda F, lib: F.fold(lib.randn(2, 27, 35, 1), (8, 8), 3), RuntimeError, "Expected 2D or 3D"),
    (lambda F, lib: F.fold(lib.randn(2, 27, 36).long(), (8, 8), 3), NotImplementedError, "col2im_out_cpu"),
], ids=["2d", "5d", "small", "stride", "padding", "kernel_len", "long", "fold_div", "fold_blocks", "fold_rank",
        "fold_long"])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(ember.nn.functional, ember)
    with pytest.raises(exc, match=msg):
        call(torch.nn.functional, torch)
