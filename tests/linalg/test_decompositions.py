"""qr, svd, svdvals, eigh, eigvalsh, pinv, lstsq, matrix_rank and the older torch.svd/torch.qr against PyTorch:
factors, gradients, batching and errors.

Singular and eigenvectors are unique only up to sign, and PyTorch's LAPACK (MKL) and NumPy's (OpenBLAS) pick
different signs: they are compared after ``_fixed``, which flips each vector so its largest entry is positive (a
gauge-invariant function, so gradients through it compare too)."""
import numpy as np
import pytest

import ember
from oracle import check, randn, same_error

def _fixed(u, vh=None):
    """``u`` (and the matching rows of ``vh``) with each column's largest-magnitude entry made positive."""
    sign = u.gather(-2, u.detach().abs().argmax(-2, keepdim=True)).detach().sign()
    return u * sign if vh is None else (u * sign, vh * sign.mT)


SHAPES = [(4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 1, 3, 4)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_qr(shape, dtype):
    a = randn(*shape, dtype=dtype)
    check(lambda m, x: tuple(m.linalg.qr(x)), a)
    check(lambda m, x: m.linalg.qr(x, mode="r")[1], a, grad=False)
    check(lambda m, x: tuple(m.linalg.qr(x, mode="complete")), a, grad=shape[-2] <= shape[-1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_svd(shape, dtype):
    a = randn(*shape, dtype=dtype)
    def fixed_svd(m, x, full_matrices=False):
        u, s, vh = m.linalg.svd(x, full_matrices=full_matrices)
        k = s.shape[-1]
        return (*_fixed(u[..., :k], vh[..., :k, :]), s)

    check(fixed_svd, a)
    check(lambda m, x: fixed_svd(m, x, True), a, grad=False)
    check(lambda m, x: m.linalg.svdvals(x), a)


def test_svd_gradient_of_each_factor_alone():
    a = randn(4, 3)
    check(lambda m, x: _fixed(m.linalg.svd(x, full_matrices=False)[0]), a)
    check(lambda m, x: m.linalg.svd(x, full_matrices=False)[1], a)
    check(lambda m, x: _fixed(m.linalg.svd(x, full_matrices=False)[2].mT), a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)], ids=str)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(shape, dtype, uplo):
    a = randn(*shape, dtype=dtype)
    check(lambda m, x: (m.linalg.eigh(x + x.mT, UPLO=uplo)[0], _fixed(m.linalg.eigh(x + x.mT, UPLO=uplo)[1])), a)
    check(lambda m, x: m.linalg.eigvalsh(x + x.mT, UPLO=uplo), a)
    check(lambda m, x: _fixed(m.linalg.eigh(x + x.mT)[1]), a)


def test_raw_eigh_gradient_reads_one_triangle():
    check(lambda m, x: (m.linalg.eigh(x)[0], _fixed(m.linalg.eigh(x)[1])), randn(3, 3))


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)], ids=str)
def test_old_svd_and_qr(shape):
    a = randn(*shape)
    check(lambda m, x: (m.svd(x)[1], *_fixed(m.svd(x)[0], m.svd(x)[2].mT)), a)
    k = min(shape[-2:])
    check(lambda m, x: (x.svd(some=False)[1], *_fixed(x.svd(some=False)[0][..., :k], x.svd(some=False)[2][..., :k].mT)),
          a, grad=False)
    check(lambda m, x: m.svd(x, compute_uv=False)[1], a)
    check(lambda m, x: tuple(m.qr(x)), a)
    assert type(ember.svd(ember.tensor(a))).__name__ == "svd" and type(ember.qr(ember.tensor(a))).__name__ == "qr"


def test_second_derivatives():
    a = randn(4, 3)
    for fn in (lambda m, x: m.linalg.svdvals(x).sum(), lambda m, x: m.linalg.qr(x)[0].sum(),
               lambda m, x: m.linalg.pinv(x).sum(), lambda m, x: (m.linalg.eigvalsh(x.mT @ x) ** 2).sum()):
        def grad_of(m, x):
            (g,) = m.autograd.grad(fn(m, x), x, create_graph=True)
            return g
        check(grad_of, a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_pinv(shape, dtype):
    a = randn(*shape, dtype=dtype)
    check(lambda m, x: m.linalg.pinv(x), a)
    check(lambda m, x: (m.pinverse(x), x.pinverse()), a)


def test_pinv_tolerances_and_rank():
    a = randn(4, 2) @ randn(2, 5, seed=1)  # rank 2
    check(lambda m, x: m.linalg.pinv(x), a, grad=False)
    for kw in ({}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.01}, {"hermitian": False}):
        check(lambda m, x: m.linalg.matrix_rank(x, **kw), a, grad=False)
    check(lambda m, x: m.linalg.pinv(x, atol=1.0), a, grad=False)
    check(lambda m, x: m.linalg.matrix_rank(x, tol=1.0), randn(2, 3, 3), grad=False)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 2)), ((5, 3), (5,)),
                                             ((3, 3), (3, 1))], ids=str)
def test_lstsq(a_shape, b_shape, driver):
    a, b = randn(*a_shape), randn(*b_shape, seed=1)
    check(lambda m, x, y: m.linalg.lstsq(x, y, driver=driver).solution, a, b)
    check(lambda m, x, y: tuple(m.linalg.lstsq(x, y, driver=driver))[1:], a, b, grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.qr(m.ones(3)), lambda m: m.linalg.qr(m.ones(3, 3), mode="x"),
    lambda m: m.linalg.qr(m.ones(3, 3, dtype=m.long)), lambda m: m.linalg.svd(m.ones(3)),
    lambda m: m.linalg.svdvals(m.ones(2, 2, dtype=m.long)), lambda m: m.linalg.eigh(m.ones(2, 3)),
    lambda m: m.linalg.eigvalsh(m.ones(3)), lambda m: m.linalg.pinv(m.ones(3)),
    lambda m: m.linalg.pinv(m.ones(2, 3, dtype=m.long)), lambda m: m.linalg.matrix_rank(m.ones(3)),
    lambda m: m.linalg.lstsq(m.ones(3, 3), m.ones(4, 3)),
    lambda m: m.linalg.qr(m.ones(3, 2, requires_grad=True), mode="r")[1].sum().backward(),
])
def test_errors(call):
    same_error(call)


def _sorted_pairs(m, w):
    """Eigenvalues as real pairs (PyTorch's LAPACK and NumPy's list them in the same order)."""
    return m.view_as_real(w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 1)], ids=str)
def test_eig_eigvals(shape, dtype):
    a = randn(*shape, dtype=dtype)
    check(lambda m, x: _sorted_pairs(m, m.linalg.eigvals(x)), a)
    check(lambda m, x: (m.view_as_real(m.linalg.eig(x)[0]), (m.view_as_real(m.linalg.eig(x)[1]) ** 2).sum(-1)), a)
    w, v = ember.linalg.eig(ember.tensor(a))
    assert w.dtype is (ember.complex128 if dtype == np.float64 else ember.complex64)
    av = a.astype(w.numpy().dtype) @ v.numpy()
    np.testing.assert_allclose(av, v.numpy() * w.numpy()[..., None, :], atol=1e-4 if dtype == np.float32 else 1e-10)


def test_eig_of_complex_input():
    check(lambda m, x: _sorted_pairs(m, m.linalg.eigvals(m.view_as_complex(x))), randn(3, 3, 2))


def test_eig_errors():
    same_error(lambda m: m.linalg.eig(m.ones(2, 3)))
    same_error(lambda m: m.linalg.eigvals(m.ones(3)))
