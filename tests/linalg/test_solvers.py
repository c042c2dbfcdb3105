"""det, slogdet, inv, solve, solve_triangular, cholesky and their older top-level names against PyTorch: values,
gradients (and second gradients), batching, dtypes and the errors for singular or badly shaped input."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn, same_error

SQUARE = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1)]


def _spd(lib, x):
    """A symmetric positive-definite matrix built from ``x`` (differentiably)."""
    return x @ x.mT + x.shape[-1] * lib.eye(x.shape[-1], dtype=x.dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SQUARE, ids=str)
def test_det_slogdet_logdet_inv(shape, dtype):
    a = randn(*shape, dtype=dtype)
    check(lambda m, x: m.linalg.det(x), a)
    check(lambda m, x: tuple(m.linalg.slogdet(x)), a)
    check(lambda m, x: m.linalg.inv(x), a)
    check(lambda m, x: (m.det(x), x.det(), m.inverse(x), x.inverse(), x.logdet(), m.logdet(x @ x.mT)), a)


def test_slogdet_and_inv_ex_results_are_named():
    a = randn(3, 3)
    e, t = ember.linalg.slogdet(ember.tensor(a)), torch.linalg.slogdet(torch.tensor(a))
    assert type(e).__name__ == "linalg_slogdet" and e._fields == ("sign", "logabsdet")
    assert repr(e).replace("ember", "torch") == repr(t)
    assert type(ember.slogdet(ember.tensor(a))).__name__ == "slogdet"
    inv, info = ember.linalg.inv_ex(ember.tensor(a))
    assert_close(inv, torch.linalg.inv(torch.tensor(a)))
    assert info.dtype == ember.int32 and info.shape == ()


def test_grad_fn_names():
    a = ember.tensor(randn(3, 3), requires_grad=True)
    names = {ember.linalg.det(a): "LinalgDetBackward0", ember.linalg.slogdet(a)[1]: "LinalgSlogdetBackward0",
             ember.linalg.inv(a): "LinalgInvExBackward0", ember.linalg.solve(a, a): "LinalgSolveExBackward0",
             ember.linalg.cholesky(_spd(ember, a)): "LinalgCholeskyExBackward0", ember.logdet(a): "WhereBackward0",
             ember.linalg.solve_triangular(a, a, upper=True): "LinalgSolveTriangularBackward0"}
    assert {t.grad_fn.name(): n for t, n in names.items()} == {n: n for n in names.values()}


def test_second_derivatives_match_torch():
    a = randn(3, 3)
    for fn in (lambda m, x: m.linalg.det(x), lambda m, x: m.linalg.inv(x).sum(),
               lambda m, x: m.linalg.slogdet(x)[1], lambda m, x: m.linalg.cholesky(_spd(m, x)).sum()):
        def grad_of(m, x):
            (g,) = m.autograd.grad(fn(m, x), x, create_graph=True)
            return g
        check(grad_of, a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)),
                                             ((2, 3, 3), (3, 4)), ((1, 3, 3), (2, 3, 1)), ((2, 3, 3), (3,))],
                         ids=str)
def test_solve(a_shape, b_shape, dtype):
    a, b = randn(*a_shape, dtype=dtype), randn(*b_shape, dtype=dtype, seed=1)
    check(lambda m, x, y: m.linalg.solve(x, y), a, b)
    check(lambda m, x, y: m.linalg.solve_ex(x, y)[0], a, b)


def test_solve_right_side():
    check(lambda m, x, y: m.linalg.solve(x, y, left=False), randn(3, 3), randn(2, 3, seed=1))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular(upper, unitriangular, left):
    a = randn(2, 3, 3) + 3 * np.eye(3)
    b = randn(2, 3, 3, seed=1)
    check(lambda m, x, y: m.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unitriangular), a, b)


def test_triangular_solve_cholesky_solve_and_inverse():
    a, b = randn(3, 3) + 3 * np.eye(3), randn(3, 2, seed=1)
    check(lambda m, x, y: tuple(m.triangular_solve(y, x)), a, b)
    check(lambda m, x, y: tuple(m.triangular_solve(y, x, upper=False, transpose=True)), a, b)
    check(lambda m, x, y: m.cholesky_solve(y, m.linalg.cholesky(_spd(m, x))), a, b)
    check(lambda m, x: m.cholesky_inverse(m.linalg.cholesky(_spd(m, x))), a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SQUARE, ids=str)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(shape, dtype, upper):
    x = randn(*shape, dtype=dtype)
    check(lambda m, x: m.linalg.cholesky(_spd(m, x), upper=upper), x)
    check(lambda m, x: m.linalg.cholesky_ex(_spd(m, x), upper=upper)[0], x)
    check(lambda m, x: (m.cholesky(_spd(m, x), upper), _spd(m, x).cholesky()), x)


def _singular(batch: bool):
    a = np.eye(3)
    a[2, 2] = 0
    return np.stack([np.eye(3), a]) if batch else a


@pytest.mark.parametrize("batch", [False, True])
def test_singular_errors(batch):
    a = _singular(batch)
    e = same_error(lambda m: m.linalg.inv(m.tensor(a)), "singular")
    assert isinstance(e, ember.linalg.LinAlgError) and isinstance(e, RuntimeError)
    same_error(lambda m: m.linalg.solve(m.tensor(a), m.tensor(a)), "singular")
    same_error(lambda m: m.linalg.inv_ex(m.tensor(a), check_errors=True))
    same_error(lambda m: m.linalg.cholesky(m.tensor(a - 2 * np.eye(3) * (1 if not batch else 0))), "minor")
    assert ember.linalg.cholesky_ex(ember.tensor(a)).info.tolist() == torch.linalg.cholesky_ex(
        torch.tensor(a)).info.tolist()
    assert ember.linalg.inv_ex(ember.tensor(a)).info.tolist() == torch.linalg.inv_ex(torch.tensor(a)).info.tolist()


def test_cholesky_names_the_failing_minor():
    a = np.diag([1.0, 2.0, -1.0])
    same_error(lambda m: m.linalg.cholesky(m.tensor(a)), "order 3")


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.inv(m.ones(2, 3)), lambda m: m.linalg.inv(m.ones(3)),
    lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.long)), lambda m: m.linalg.det(m.ones(2, 3)),
    lambda m: m.linalg.slogdet(m.ones(3)), lambda m: m.linalg.cholesky(m.ones(2, 3)),
    lambda m: m.linalg.solve(m.ones(3, 3), m.ones(4)), lambda m: m.linalg.solve(m.ones(3, 3), m.ones(4, 2)),
    lambda m: m.linalg.solve(m.ones(3, 3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.solve(m.ones(3, 3), m.ones(2, 2), left=False),
    lambda m: m.linalg.det(m.ones(3, 3, dtype=m.long)),
])
def test_argument_errors(call):
    same_error(call)
