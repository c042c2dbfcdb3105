"""diagonal (a writable view), diag_embed, diag and trace against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, randn, same_error


@pytest.mark.parametrize("args", [(), (1,), (-1,), (5,), (0, 1, 2), (1, 2, 0), (-2, -1, -3)], ids=str)
def test_diagonal(args):
    check(lambda m, x: m.diagonal(x, *args), randn(3, 4, 5))
    check(lambda m, x: x.diagonal(*args), randn(3, 4, 5), noncontiguous=True)


def test_diagonal_is_a_view():
    for lib in (ember, torch):
        x = lib.arange(12.0).reshape(3, 4)
        x.diagonal(1).mul_(10)
        assert x[0, 1].item() == 10 and x[1, 2].item() == 60
    check(lambda m, x: (x * 1).diagonal().exp(), randn(4, 4))


@pytest.mark.parametrize("args", [(), (1,), (-2,), (0, 0, 2), (1, 2, 0), (-1, -1, -3)], ids=str)
def test_diag_embed(args):
    check(lambda m, x: m.diag_embed(x, *args), randn(2, 3))


@pytest.mark.parametrize("k", [0, 1, -2])
@pytest.mark.parametrize("shape", [(4,), (3, 5)], ids=str)
def test_diag(shape, k):
    check(lambda m, x: m.diag(x, k), randn(*shape))


@pytest.mark.parametrize("expr, name", [("m.diag(x)", "DiagonalBackward0_copy"), ("m.diag(x[0])", "DiagEmbedBackward0"),
                                        ("x.diagonal()", "DiagonalBackward0"), ("x.diag_embed()", "DiagEmbedBackward0"),
                                        ("x.trace()", "TraceBackward0")])
def test_grad_fn_names(expr, name):
    for lib in (ember, torch):
        out = eval(expr, {"m": lib, "x": lib.ones(3, 3, requires_grad=True)})
        assert (out.grad_fn.name() if lib is ember else type(out.grad_fn).__name__) == name


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (4, 1)], ids=str)
def test_trace(shape):
    check(lambda m, x: m.trace(x), randn(*shape))
    assert ember.trace(ember.ones(2, 3, dtype=ember.int32)).dtype == ember.int64


def test_errors():
    same_error(lambda m: m.ones(2, 3).diagonal(0, 1, 1), "diagonal dimensions cannot be identical")
    same_error(lambda m: m.diag(m.ones(2, 2, 2)), "2D")
    same_error(lambda m: m.trace(m.ones(3)), "expected a matrix")
