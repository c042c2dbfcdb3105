"""The ``out=`` keyword of the top-level functions (``ember/ops/_out.py``) against PyTorch: the result lands in
``out`` (the same object is returned), resizing with PyTorch's warning, dtype rules, tuple outs and the autograd
error."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, randn, same_error

A, B = randn(2, 3), randn(2, 3, seed=1)
SQ, BAT = randn(3, 3, seed=2), randn(2, 3, 3, seed=3)
POS = np.abs(A) + 0.5

CASES = {
    "add": lambda lib, t: lib.add(t(A), t(B), alpha=2, out=lib.empty(2, 3)),
    "sub": lambda lib, t: lib.sub(t(A), t(B), out=lib.empty(2, 3)),
    "mul": lambda lib, t: lib.mul(t(A), 3.0, out=lib.empty(2, 3)),
    "div": lambda lib, t: lib.div(t(A), t(POS), rounding_mode="floor", out=lib.empty(2, 3)),
    "matmul": lambda lib, t: lib.matmul(t(SQ), t(SQ), out=lib.empty(3, 3, dtype=lib.float64)),
    "mm": lambda lib, t: lib.mm(t(A), t(SQ), out=lib.empty(0, dtype=lib.float64)),
    "bmm": lambda lib, t: lib.bmm(t(BAT), t(BAT), out=lib.empty(2, 3, 3, dtype=lib.float64)),
    "cat": lambda lib, t: lib.cat([t(A), t(B)], 1, out=lib.empty(2, 6)),
    "stack": lambda lib, t: lib.stack([t(A), t(B)], out=lib.empty(0)),
    "sum": lambda lib, t: lib.sum(t(A), 1, out=lib.empty(2)),
    "mean": lambda lib, t: lib.mean(t(A), (0, 1), keepdim=True, out=lib.empty(1, 1)),
    "clamp": lambda lib, t: lib.clamp(t(A), -0.5, 0.5, out=lib.empty(2, 3, dtype=lib.float64)),
    "exp": lambda lib, t: lib.exp(t(A), out=lib.empty(2, 3)),
    "log": lambda lib, t: lib.log(t(POS), out=lib.empty(2, 3)),
    "sqrt": lambda lib, t: lib.sqrt(t(POS), out=lib.empty(2, 3)),
    "abs": lambda lib, t: lib.abs(t(A), out=lib.empty(2, 3, dtype=lib.float64)),
    "pow": lambda lib, t: lib.pow(t(POS), 1.5, out=lib.empty(2, 3)),
    "where": lambda lib, t: lib.where(t(A) > 0, t(A), t(B), out=lib.empty(2, 3, dtype=lib.float64)),
    "cumsum": lambda lib, t: lib.cumsum(t(A), 1, out=lib.empty(2, 3)),
    "argmax": lambda lib, t: lib.argmax(t(A), 1, out=lib.empty(2, dtype=lib.int64)),
    "int_into_float": lambda lib, t: lib.add(lib.tensor([1, 2]), 1, out=lib.empty(2)),
    "double_into_float": lambda lib, t: lib.exp(t(A), out=lib.empty(2, 3)),
    "zeros": lambda lib, t: lib.zeros(2, 3, out=lib.empty(6, dtype=lib.int64)),
    "ones": lambda lib, t: lib.ones(4, out=lib.empty(4)),
    "arange": lambda lib, t: lib.arange(5, out=lib.empty(0)),
    "linspace": lambda lib, t: lib.linspace(0, 1, 5, out=lib.empty(5, dtype=lib.float64)),
}


@pytest.mark.parametrize("name", CASES)
def test_result_is_written_into_out(name):
    fn = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = fn(ember, ember.tensor), fn(torch, torch.tensor)
    assert_close(e, t)


@pytest.mark.parametrize("name", ["max", "min", "sort", "topk"])
def test_tuple_outs_match_torch(name):
    call = {"max": lambda lib, x, o: lib.max(x, 1, out=o), "min": lambda lib, x, o: lib.min(x, 0, True, out=o),
            "sort": lambda lib, x, o: lib.sort(x, descending=True, out=o),
            "topk": lambda lib, x, o: lib.topk(x, 2, out=o)}[name]
    results = {}
    for lib in (ember, torch):
        out = (lib.empty(0, dtype=lib.float64), lib.empty(0, dtype=lib.int64))
        res = call(lib, lib.tensor(A), out)
        assert res[0] is out[0] and res[1] is out[1]
        assert type(res).__name__ == f"{name}_out"
        results[lib.__name__] = res
    for e, t in zip(results["ember"], results["torch"]):
        assert_close(e, t)


def test_out_is_the_returned_object_and_keeps_its_identity():
    out = ember.empty(2, 3, dtype=ember.float64)
    version = out._version
    assert ember.add(ember.tensor(A), 1.0, out=out) is out
    assert out._version > version
    assert_close(out, torch.tensor(A) + 1.0)
    assert ember.sum(ember.tensor(A), 0, out=ember.empty(())).shape == (3,)


def test_resizing_a_non_empty_out_warns_as_torch():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape "
                                             r"\[3\], which does not match the required output shape \[2, 3\]"):
            out = lib.add(lib.zeros(2, 3), 1, out=lib.empty(3))
        assert tuple(out.shape) == (2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.add(lib.zeros(2, 3), 1, out=lib.empty(0))
            lib.zeros(2, 3, out=lib.empty(5))


def test_out_under_no_grad_is_allowed():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            out = lib.mul(x, 2, out=lib.empty(2))
        assert not out.requires_grad and out.tolist() == [2.0, 2.0]


def test_operators_and_inplace_methods_call_the_plain_op():
    assert ember.Tensor.__add__ is ember.ops.arith.add and ember.Tensor.__matmul__ is ember.ops.products.matmul
    assert ember.add._without_out is ember.ops.arith.add
    x = ember.ones(2)
    assert_close(x + x, torch.ones(2) + torch.ones(2))
    x.exp_()
    assert_close(x, torch.ones(2).exp())


@pytest.mark.parametrize("fn", [
    lambda lib: lib.add(lib.ones(2, requires_grad=True), 1, out=lib.empty(2)),
    lambda lib: lib.add(lib.ones(2), 1, out=lib.empty(2, requires_grad=True)),
    lambda lib: lib.cat([lib.ones(2), lib.ones(2, requires_grad=True)], out=lib.empty(4)),
    lambda lib: lib.matmul(lib.ones(2, 2, requires_grad=True), lib.ones(2, 2), out=lib.empty(2, 2)),
    lambda lib: lib.add(lib.ones(2), 1.5, out=lib.empty(2, dtype=lib.int64)),
    lambda lib: lib.exp(lib.tensor([1, 2]), out=lib.empty(2, dtype=lib.int64)),
    lambda lib: lib.add(lib.ones(2, dtype=lib.int64), 1, out=lib.empty(2, dtype=lib.bool)),
    lambda lib: lib.mm(lib.ones(2, 2), lib.ones(2, 2), out=lib.empty(2, 2, dtype=lib.float64)),
    lambda lib: lib.max(lib.ones(2, 2), 1, out=(lib.empty(2), lib.empty(2))),
    lambda lib: lib.argmax(lib.ones(2, 2), 1, out=lib.empty(2)),
    lambda lib: lib.clamp(lib.ones(2), 0, 1, out=lib.empty(2, dtype=lib.float64)),
    lambda lib: lib.abs(lib.ones(2, dtype=lib.int64), out=lib.empty(2)),
    lambda lib: lib.where(lib.ones(2) > 0, lib.ones(2), lib.zeros(2), out=lib.empty(2, dtype=lib.float64)),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
