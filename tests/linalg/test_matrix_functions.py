"""Norms and matrix functions of ember.linalg against PyTorch: vector_norm, matrix_norm, norm, cond, matrix_power,
matrix_exp, cross, vecdot, multi_dot, vander, tensorinv, tensorsolve, householder_product and the top-level
aliases, with gradients, batching and errors."""
import math

import numpy as np
import pytest

import ember
from oracle import check, randn, same_error

MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ord", [2, 1, 3.5, math.inf, -math.inf, 0])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (-1, True), ((0, 2), False)])
def test_vector_norm(ord, dim, keepdim, dtype):
    check(lambda m, x: m.linalg.vector_norm(x, ord, dim, keepdim), randn(2, 3, 4, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)], ids=str)
def test_matrix_norm(ord, dim, keepdim, dtype):
    check(lambda m, x: m.linalg.matrix_norm(x, ord, dim, keepdim), randn(3, 2, 4, dtype=dtype))


@pytest.mark.parametrize("shape,ord,dim", [((5,), None, None), ((3, 4), None, None), ((2, 3, 4), None, None),
                                           ((5,), 1, None), ((3, 4), "nuc", None), ((3, 4), math.inf, None),
                                           ((2, 3, 4), 3, 1), ((2, 3, 4), -2, (0, 1)), ((2, 3, 4), None, (1, 2))],
                         ids=str)
def test_norm(shape, ord, dim):
    check(lambda m, x: m.linalg.norm(x, ord, dim), randn(*shape))
    check(lambda m, x: m.linalg.norm(x, ord, dim, keepdim=True, dtype=m.float64), randn(*shape, dtype=np.float32))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf], ids=str)
def test_cond(p):
    # PyTorch's own backward fails for the norms that go through an inverse: their values only are compared
    check(lambda m, x: m.linalg.cond(x, p), randn(2, 3, 3), grad=p in (None, 2, -2))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power(n):
    check(lambda m, x: (m.linalg.matrix_power(x, n), m.matrix_power(x, n), x.matrix_power(n)), randn(2, 3, 3),
          grad=n != 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,scale", [((3, 3), 1), ((2, 4, 4), 0.1), ((3, 3), 10), ((1, 1), 3), ((2, 0, 0), 1)],
                         ids=str)
def test_matrix_exp(shape, scale, dtype):
    check(lambda m, x: (m.linalg.matrix_exp(x), m.matrix_exp(x), x.matrix_exp()), randn(*shape, dtype=dtype) * scale,
          rtol=1e-4 if dtype == np.float32 else 1e-7, atol=1e-4 if dtype == np.float32 else 1e-9)


def test_matrix_exp_double_backward():
    def grad_of(m, x):
        (g,) = m.autograd.grad(m.linalg.matrix_exp(x).sum(), x, create_graph=True)
        return g
    check(grad_of, randn(3, 3))


@pytest.mark.parametrize("shapes,dim", [(((3,), (3,)), -1), (((4, 3), (4, 3)), -1), (((3, 4), (3, 1)), 0),
                                        (((2, 1, 3), (1, 5, 3)), -1)], ids=str)
def test_cross(shapes, dim):
    a, b = randn(*shapes[0]), randn(*shapes[1], seed=1)
    check(lambda m, x, y: m.linalg.cross(x, y, dim=dim), a, b)
    check(lambda m, x, y: (m.cross(x, y, dim), x.cross(y, dim)), a, b)


def test_cross_without_dim_takes_the_first_of_size_3():
    check(lambda m, x, y: m.cross(x, y), randn(3, 3, 2), randn(3, 3, 2, seed=1))


def test_vecdot_and_diagonal():
    check(lambda m, x, y: (m.linalg.vecdot(x, y), m.linalg.vecdot(x, y, dim=0)), randn(3, 4), randn(2, 3, 4, seed=1))
    check(lambda m, x: (m.linalg.diagonal(x), m.linalg.diagonal(x, offset=1, dim1=0, dim2=2)), randn(3, 4, 5))


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(4,), (4, 5), (5, 2)], [(2, 8), (8, 3), (3, 9), (9,)],
                                    [(5,), (5, 6), (6, 2), (2, 7), (7,)], [(10, 2), (2, 10), (10, 3)]], ids=str)
def test_multi_dot(shapes):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda m, *xs: m.linalg.multi_dot(xs), *arrays)
    if all(len(s) == 2 for s in shapes):
        check(lambda m, *xs: m.chain_matmul(*xs), *arrays)


@pytest.mark.parametrize("shape,N", [((4,), None), ((2, 3), 5), ((3,), 2)], ids=str)
def test_vander(shape, N):
    # PyTorch's own backward of vander fails (an in-place cumprod): values are compared, and ember's gradient
    # against the powers' derivative
    check(lambda m, x: m.linalg.vander(x, N=N), randn(*shape), grad=False)
    if len(shape) == 1:
        check(lambda m, x: (m.vander(x, N), m.vander(x, N, increasing=True)), randn(*shape), grad=False)
    x = ember.tensor(randn(*shape), requires_grad=True)
    n = N or shape[-1]
    ember.linalg.vander(x, N=n).sum().backward()
    expected = sum(k * x.detach().numpy() ** (k - 1) for k in range(1, n))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_tensorinv_tensorsolve():
    check(lambda m, x: m.linalg.tensorinv(x, ind=2), randn(4, 6, 8, 3))
    check(lambda m, x: m.linalg.tensorinv(x, ind=1), randn(6, 2, 3))
    check(lambda m, x, y: m.linalg.tensorsolve(x, y), randn(2, 3, 6), randn(2, 3, seed=1))
    check(lambda m, x, y: m.linalg.tensorsolve(x, y, dims=(0,)), randn(8, 4, 2), randn(4, 2, seed=1))


@pytest.mark.parametrize("shape,k", [((4, 3), 3), ((2, 5, 3), 2), ((3, 3), 3)], ids=str)
def test_householder_product(shape, k):
    check(lambda m, a, t: m.linalg.householder_product(a, t), randn(*shape), randn(*shape[:-2], k, seed=1))


def test_grad_fn_names():
    a = ember.tensor(randn(3, 3), requires_grad=True)
    got = {ember.linalg.matrix_exp(a).grad_fn.name(), ember.linalg.cross(a, a).grad_fn.name(),
           ember.linalg.matrix_norm(a).grad_fn.name(), ember.linalg.matrix_norm(a, 2).grad_fn.name(),
           ember.linalg.matrix_norm(a, "nuc").grad_fn.name(), ember.linalg.vecdot(a, a).grad_fn.name()}
    assert got == {"LinalgMatrixExpBackward0", "LinalgCrossBackward0", "LinalgVectorNormBackward0", "AmaxBackward0",
                   "SumBackward1"}


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.long)),
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.float64), dtype=m.float32),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3, dtype=m.float64), dtype=m.float32),
    lambda m: m.linalg.matrix_norm(m.ones(3)),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), ord=3), lambda m: m.linalg.matrix_norm(m.ones(3, 3), dim=(0, 0)),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), dim=(0,)), lambda m: m.linalg.norm(m.ones(3, 3, 3), ord=2),
    lambda m: m.linalg.norm(m.ones(3, 3), ord=3), lambda m: m.linalg.cond(m.ones(3)),
    lambda m: m.linalg.cond(m.ones(3, 3), 3), lambda m: m.linalg.cond(m.ones(2, 3), 1),
    lambda m: m.linalg.matrix_power(m.ones(2, 3), 2), lambda m: m.linalg.matrix_exp(m.ones(2, 3)),
    lambda m: m.linalg.matrix_exp(m.ones(3)), lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)),
    lambda m: m.linalg.cross(m.ones(3), m.ones(2, 3)), lambda m: m.linalg.cross(m.ones(2, 3), m.ones(4, 3)),
    lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.multi_dot([m.ones(3, 3)]), lambda m: m.linalg.multi_dot([m.ones(3, 3, 3), m.ones(3)]),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(3, 3, 3)]),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(3, 3, 3), m.ones(3)]),
    lambda m: m.linalg.multi_dot([m.ones(3, 2), m.ones(3, 3)]), lambda m: m.linalg.vander(m.ones(3), N=1),
    lambda m: m.linalg.tensorinv(m.ones(2, 3, 4), 1), lambda m: m.linalg.tensorinv(m.ones(2, 3), 0),
    lambda m: m.linalg.tensorsolve(m.ones(2, 3, 4), m.ones(2)), lambda m: m.vander(m.ones(3, 3)),
    lambda m: m.linalg.householder_product(m.ones(2, 3), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(3)),
    lambda m: m.linalg.householder_product(m.ones(3), m.ones(3)),
])
def test_errors(call):
    same_error(call)
