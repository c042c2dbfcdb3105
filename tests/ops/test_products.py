"""Matrix products against PyTorch: every matmul rank combination, mm/bmm/addmm/dot/mv/outer/einsum, errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)), ((2, 3, 4), (4, 5)),
                 ((4,), (2, 4, 5)), ((2, 3, 4), (4,)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (6, 4, 2))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, dtype):
    a, b = randn(*shapes[0], dtype=dtype), randn(*shapes[1], dtype=dtype, seed=1)
    check(lambda m, x, y: (x @ y, m.matmul(x, y), x.matmul(y)), a, b)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_noncontiguous(shapes):
    check(lambda m, x, y: x @ y, randn(*shapes[0]), randn(*shapes[1], seed=1), noncontiguous=True)


def test_matmul_transposed_operands():
    check(lambda m, x, y: x.t() @ y.mT, randn(4, 3), randn(5, 4, seed=1))


def test_matmul_reflected_with_numpy_free_operands():
    check(lambda m, x, y: y.__rmatmul__(x), randn(3, 4), randn(4, 2, seed=1))


@pytest.mark.parametrize("fn, shapes", [
    (lambda m, a, b: m.mm(a, b), ((3, 4), (4, 5))), (lambda m, a, b: a.mm(b), ((1, 4), (4, 1))),
    (lambda m, a, b: m.bmm(a, b), ((2, 3, 4), (2, 4, 5))), (lambda m, a, b: m.dot(a, b), ((4,), (4,))),
    (lambda m, a, b: m.mv(a, b), ((3, 4), (4,))), (lambda m, a, b: m.outer(a, b), ((3,), (4,))),
    (lambda m, a, b: a.outer(b), ((1,), (2,))),
], ids=["mm", "mm_method", "bmm", "dot", "mv", "outer", "outer_method"])
def test_named_products(fn, shapes):
    check(fn, randn(*shapes[0]), randn(*shapes[1], seed=1))
    check(fn, randn(*shapes[0], dtype=np.float32), randn(*shapes[1], dtype=np.float32, seed=1))


@pytest.mark.parametrize("bias_shape", [(5,), (3, 5), (1, 5), (3, 1), ()], ids=str)
@pytest.mark.parametrize("coef", [{}, {"beta": 0.5}, {"alpha": 2.0}, {"beta": 0, "alpha": -1.5}], ids=str)
def test_addmm(bias_shape, coef):
    check(lambda m, c, a, b: m.addmm(c, a, b, **coef), randn(*bias_shape, seed=2), randn(3, 4), randn(4, 5, seed=1))


def test_integer_matmul():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    assert_close(ember.tensor(a) @ ember.tensor(b), torch.tensor(a) @ torch.tensor(b))
    assert_close(ember.tensor(a[0]) @ ember.tensor(a[1]), torch.tensor(a[0]) @ torch.tensor(a[1]))


EINSUM = [("ij,jk->ik", (3, 4), (4, 5)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)), ("i,i->", (4,), (4,)),
          ("i,j->ij", (3,), (4,)), ("ij->ji", (3, 4)), ("ij->", (3, 4)), ("ij,ij->i", (3, 4), (3, 4)),
          ("ij,jk", (3, 4), (4, 5)), ("bhqd,bhkd->bhqk", (2, 2, 3, 4), (2, 2, 5, 4)), ("ii->i", (3, 3)),
          ("ii", (3, 3)), ("...ij,...jk->...ik", (2, 3, 4), (2, 4, 5)), ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
          ("i,i,i->i", (3,), (3,), (3,))]


@pytest.mark.parametrize("case", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(case):
    eq, *shapes = case
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda m, *ts: m.einsum(eq, *ts), *arrays)


def test_einsum_operand_list():
    check(lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), randn(2, 3), randn(3, 4, seed=1))


@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((2, 2, 3), (4, 5)), ((3,), (4, 5)), ((3, 4), (5,)),
                                    ((2, 2, 3), (2, 4, 5)), ((2, 3, 4), (3, 4, 5)), ((3,), (4,)), ((), (3,))],
                         ids=str)
def test_matmul_shape_errors(shapes):
    a, b = shapes
    with pytest.raises(RuntimeError) as torch_err:
        torch.ones(a) @ torch.ones(b)
    with pytest.raises(RuntimeError) as err:
        ember.ones(a) @ ember.ones(b)
    assert str(err.value) == str(torch_err.value)


@pytest.mark.parametrize("fn, shapes", [
    ("mm", ((3,), (3, 4))), ("mm", ((2, 3), (4,))), ("mm", ((2, 3), (4, 5))), ("bmm", ((3, 4), (3, 4))),
    ("bmm", ((2, 3, 4), (2, 5, 6))), ("bmm", ((2, 3, 4), (3, 4, 6))), ("dot", ((3,), (4,))), ("dot", ((2, 3), (3,))),
    ("mv", ((2, 3), (4,))), ("addmm", ((5,), (2, 3), (4, 5))),
])
def test_named_product_errors(fn, shapes):
    with pytest.raises(RuntimeError) as torch_err:
        getattr(torch, fn)(*[torch.ones(s) for s in shapes])
    with pytest.raises(RuntimeError) as err:
        getattr(ember, fn)(*[ember.ones(s) for s in shapes])
    assert str(err.value) == str(torch_err.value)


@pytest.mark.parametrize("fn", ["matmul", "mm", "dot"])
def test_dtype_mismatch(fn):
    shapes = ((3,), (3,)) if fn == "dot" else ((2, 3), (3, 2))
    with pytest.raises(RuntimeError) as torch_err:
        getattr(torch, fn)(torch.ones(shapes[0]), torch.ones(shapes[1], dtype=torch.float64))
    with pytest.raises(RuntimeError) as err:
        getattr(ember, fn)(ember.ones(shapes[0]), ember.ones(shapes[1], dtype=ember.float64))
    assert str(err.value) == str(torch_err.value)
