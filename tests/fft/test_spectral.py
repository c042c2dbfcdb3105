"""ember.fft against torch.fft: every transform over real and complex input, n/s, dim and norm, batched, with
gradients (complex values are compared as real pairs, ``view_as_real``, and complex inputs are built from real
leaves so their gradients follow PyTorch's complex convention end to end), and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn, same_error

NORMS = [None, "backward", "ortho", "forward"]


def _pairs(m, out):
    return m.view_as_real(out.resolve_conj()) if out.is_complex() else out


def _signal(m, x, is_complex: bool):
    """The transform's input: ``x`` itself, or the complex tensor whose real pairs ``x`` holds."""
    return m.view_as_complex(x) if is_complex else x


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("is_complex", [False, True])
@pytest.mark.parametrize("name", ["fft", "ifft"])
@pytest.mark.parametrize("n,dim", [(None, -1), (6, -1), (3, 0), (None, 1)], ids=str)
def test_fft_ifft(name, is_complex, norm, n, dim):
    x = randn(4, 5, 2) if is_complex else randn(4, 5)
    check(lambda m, x: _pairs(m, getattr(m.fft, name)(_signal(m, x, is_complex), n, dim, norm)), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("is_complex", [False, True])
@pytest.mark.parametrize("name", ["fft2", "ifft2", "fftn", "ifftn"])
@pytest.mark.parametrize("s,dim", [(None, None), ((3, 6), None), (None, (0, 2)), ((5,), (1,))], ids=str)
def test_fft2_fftn(name, is_complex, norm, s, dim, dtype):
    x = randn(2, 4, 5, 2, dtype=dtype) if is_complex else randn(2, 4, 5, dtype=dtype)
    kwargs = {"s": s, "norm": norm}
    if dim is not None:
        kwargs["dim"] = dim
    if name.endswith("2") and dim is not None and len(dim) != 2:
        return
    check(lambda m, x: _pairs(m, getattr(m.fft, name)(_signal(m, x, is_complex), **kwargs)), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["rfft", "ihfft"])
@pytest.mark.parametrize("n,dim", [(None, -1), (7, -1), (4, 0), (3, 1)], ids=str)
def test_rfft_ihfft(name, norm, n, dim, dtype):
    check(lambda m, x: _pairs(m, getattr(m.fft, name)(x, n, dim, norm)), randn(6, 5, dtype=dtype))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["rfft2", "rfftn", "ihfft2", "ihfftn"])
@pytest.mark.parametrize("s", [None, (4, 6), (3, 3)], ids=str)
def test_rfft2_rfftn(name, norm, s):
    check(lambda m, x: _pairs(m, getattr(m.fft, name)(x, s, norm=norm)), randn(2, 5, 4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["irfft", "hfft"])
@pytest.mark.parametrize("n,dim", [(None, -1), (8, -1), (7, -1), (5, 0), (2, -1)], ids=str)
def test_irfft_hfft(name, norm, n, dim, dtype):
    check(lambda m, x: getattr(m.fft, name)(m.view_as_complex(x), n, dim, norm), randn(4, 5, 2, dtype=dtype))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ["irfft2", "irfftn", "hfft2", "hfftn"])
@pytest.mark.parametrize("s", [None, (4, 6), (3, 3)], ids=str)
def test_irfft2_irfftn(name, norm, s):
    check(lambda m, x: getattr(m.fft, name)(m.view_as_complex(x), s, norm=norm), randn(2, 5, 4, 2))


def test_real_input_to_the_complex_to_real_transforms():
    check(lambda m, x: (m.fft.irfft(x), m.fft.hfft(x, 6)), randn(3, 4))


def test_round_trips_and_integer_input():
    check(lambda m, x: m.fft.irfft(m.fft.rfft(x), 9), randn(2, 9))
    check(lambda m, x: _pairs(m, m.fft.ifft(m.fft.fft(x))), randn(2, 9))
    check(lambda m: _pairs(m, m.fft.fft(m.arange(6))))
    check(lambda m: m.fft.rfft(m.arange(6)).abs())


def test_grad_fn_names_and_dtypes():
    x = ember.tensor(randn(8, dtype=np.float32), requires_grad=True)
    z = ember.view_as_complex(ember.tensor(randn(8, 2, dtype=np.float32), requires_grad=True))
    got = [ember.fft.fft(x), ember.fft.ifft(x), ember.fft.fft(z), ember.fft.rfft(x), ember.fft.irfft(z),
           ember.fft.hfft(z), ember.fft.ihfft(x)]
    assert [t.grad_fn.name() for t in got] == ["FftR2CBackward0", "ConjBackward0", "FftC2CBackward0",
                                               "FftR2CBackward0", "FftC2RBackward0", "FftC2RBackward0",
                                               "ConjBackward0"]
    assert [t.dtype for t in got] == [ember.complex64] * 4 + [ember.float32] * 2 + [ember.complex64]
    assert ember.fft.fft(x.double()).dtype == ember.complex128


def test_second_derivative():
    def grad_of(m, x):
        y = m.fft.rfft(x * x)
        (g,) = m.autograd.grad((m.view_as_real(y) ** 2).sum() + m.fft.irfft(y).sin().sum(), x, create_graph=True)
        return g
    check(grad_of, randn(6))


@pytest.mark.parametrize("n,d,dtype", [(5, 1.0, None), (6, 0.1, "float64"), (1, 2.0, None)], ids=str)
def test_fftfreq_rfftfreq(n, d, dtype):
    for name in ("fftfreq", "rfftfreq"):
        e = getattr(ember.fft, name)(n, d, dtype=None if dtype is None else getattr(ember, dtype))
        t = getattr(torch.fft, name)(n, d, dtype=None if dtype is None else getattr(torch, dtype))
        assert_close(e, t)


@pytest.mark.parametrize("dim", [None, 0, (0, 1), -1])
def test_fftshift_ifftshift(dim):
    check(lambda m, x: (m.fft.fftshift(x, dim), m.fft.ifftshift(x, dim)), randn(5, 4))
    check(lambda m, x: m.fft.ifftshift(m.fft.fftshift(x, dim), dim), randn(3, 7))


@pytest.mark.parametrize("call", [
    lambda m: m.fft.fft(m.ones(4), norm="x"), lambda m: m.fft.fft(m.ones(4), n=0),
    lambda m: m.fft.irfft(m.ones(1, dtype=m.complex64)), lambda m: m.fft.rfft(m.ones(4, dtype=m.complex64)),
    lambda m: m.fft.ihfft(m.ones(4, dtype=m.complex64)), lambda m: m.fft.fft(m.ones(4), dim=2),
    lambda m: m.fft.fftn(m.ones(4), s=(2, 3)), lambda m: m.fft.fftn(m.ones(2, 2), dim=(0, 0)),
    lambda m: m.fft.fft(m.ones(4, dtype=m.float16)), lambda m: m.fft.fftfreq(5, dtype=m.long),
    lambda m: m.fft.fftn(m.ones(2, 2), s=(2,), dim=(0, 1)),
])
def test_errors(call):
    same_error(call)
