"""lu_factor, lu_factor_ex, lu and lu_solve against PyTorch: packed factors, LAPACK's pivots, P L U, solves in
every orientation, gradients, batching and errors."""
import numpy as np
import pytest

import ember
from oracle import check, randn, same_error

SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (4, 2), (2, 5)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_lu_factor_and_lu(shape, dtype):
    a = randn(*shape, dtype=dtype)
    square = shape[-1] == shape[-2]
    check(lambda m, x: tuple(m.linalg.lu_factor(x)), a, grad=square)
    check(lambda m, x: tuple(m.linalg.lu_factor_ex(x)), a, grad=square)
    check(lambda m, x: tuple(m.linalg.lu(x)), a, grad=square)


def test_results_are_named_and_p_has_no_history():
    a = ember.tensor(randn(3, 3), requires_grad=True)
    p, low, up = ember.linalg.lu(a)
    assert type(ember.linalg.lu(a)).__name__ == "linalg_lu" and p.grad_fn is None
    assert low.grad_fn.name() == "LinalgLuBackward0"
    assert ember.linalg.lu_factor(a).LU.grad_fn.name() == "LinalgLuFactorExBackward0"
    assert ember.linalg.lu_factor_ex(a).info.dtype is ember.int32


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("b_shape", [(3, 2), (2, 3, 3)], ids=str)
def test_lu_solve(left, adjoint, b_shape):
    def solve(m, x, b):
        lu, piv = m.linalg.lu_factor(x)
        return m.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint)
    b = randn(*b_shape, seed=1)
    if not left:
        b = np.swapaxes(b, -1, -2).copy()
    check(solve, randn(3, 3), b)


def test_pivots_on_a_matrix_needing_swaps():
    a = np.array([[0.0, 1, 2], [3, 4, 5], [6, 7, 9]])
    check(lambda m, x: tuple(m.linalg.lu_factor(x)), a)


def test_singular_matrix():
    a = np.zeros((3, 3))
    a[0, 0] = 1
    same_error(lambda m: m.linalg.lu_factor(m.tensor(a)), "U[2,2]")
    check(lambda m, x: tuple(m.linalg.lu_factor_ex(x)), a, grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.lu_factor(m.ones(3)), lambda m: m.linalg.lu(m.ones(3)),
    lambda m: m.linalg.lu_factor_ex(m.ones(3)), lambda m: m.linalg.lu_factor(m.ones(3, 3, dtype=m.long)),
    lambda m: m.linalg.lu_solve(m.ones(3, 3), m.ones(3, dtype=m.int32), m.ones(4, 2)),
])
def test_errors(call):
    same_error(call)
