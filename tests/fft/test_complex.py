"""Complex tensors as far as ember.fft needs them, against PyTorch: the dtypes, creation, printing, the parts
(real, imag, abs, angle, conj, view_as_real, view_as_complex, complex, polar) and their gradients under PyTorch's
convention (complex inputs are built from real leaves, so every gradient is compared on real tensors)."""
import pytest
import torch

import ember
from oracle import check, randn, same_error


def test_dtypes():
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    assert ember.complex64.is_complex and not ember.complex64.is_floating_point
    assert ember.complex64.to_real() is ember.float32 and ember.float64.to_complex() is ember.complex128
    assert repr(ember.complex128) == "ember.complex128"
    z = ember.tensor([1 + 2j])
    assert z.dtype is ember.complex64 and z.is_complex() and ember.is_complex(z) and not z.is_floating_point()
    assert ember.zeros(2, dtype=ember.cdouble).dtype is ember.complex128
    assert ember.tensor([1.0]).to(ember.complex64).dtype is ember.complex64
    assert z.type() == "ember.ComplexFloatTensor"


@pytest.mark.parametrize("data,dtype", [([1 + 2j, -3.5 - 1j], None), ([1 + 2j], "complex128"), (1j, None),
                                        ([[1e-5 + 1j, 2 + 3j]], None), ([0j, 1.5 + 0.25j], "complex128"),
                                        ([[1 + 1j, -2 - 2j], [3.25 + 0j, 100 - 0.5j]], None)], ids=str)
def test_printing(data, dtype):
    e = ember.tensor(data, dtype=None if dtype is None else getattr(ember, dtype))
    t = torch.tensor(data, dtype=None if dtype is None else getattr(torch, dtype))
    assert repr(e) == repr(t).replace("torch", "ember")


def test_printing_with_grad_fn():
    x = randn(3, 2)
    e = ember.view_as_complex(ember.tensor(x, requires_grad=True))
    t = torch.view_as_complex(torch.tensor(x, requires_grad=True))
    assert repr(e) == repr(t).replace("torch", "ember")


def test_parts_and_their_gradients():
    def parts(m, x):
        z = m.view_as_complex(x)
        return z.real, z.imag, z.abs(), z.angle(), m.view_as_real(z.conj().resolve_conj()), m.real(z), m.imag(z)
    check(parts, randn(2, 3, 2))


def test_conj_physical_and_angle_of_real_input():
    check(lambda m, x: (m.view_as_real(m.conj_physical(m.view_as_complex(x))),), randn(4, 2))
    check(lambda m, x: (x.angle(), m.angle(x), x.conj(), x.real), randn(5))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4))], ids=str)
def test_complex_and_polar(shapes):
    a, b = randn(*shapes[0]), randn(*shapes[1], seed=1)
    check(lambda m, x, y: m.view_as_real(m.complex(x, y)), a, b)
    check(lambda m, x, y: m.view_as_real(m.polar(x.abs() + 0.1, y)), a, b)


def test_views_share_storage():
    for lib in (ember, torch):
        z = lib.tensor([1 + 2j, 3 - 1j])
        z.real[0] = 5
        z.imag.mul_(2)
        lib.view_as_real(z)[1, 0] = -1
        assert z.tolist() == [5 + 4j, -1 - 2j]


@pytest.mark.parametrize("call", [
    lambda m: m.ones(3).imag, lambda m: m.view_as_real(m.ones(3)),
    lambda m: m.view_as_complex(m.ones(3)), lambda m: m.view_as_complex(m.ones(3, 3)),
    lambda m: m.view_as_complex(m.ones(2, 4)[:, ::2]), lambda m: m.view_as_complex(m.ones(2, 2, dtype=m.long)),
    lambda m: m.complex(m.ones(2), m.ones(2, dtype=m.float64)),
    lambda m: m.complex(m.ones(2, dtype=m.long), m.ones(2, dtype=m.long)),
    lambda m: m.polar(m.ones(2), m.ones(2, dtype=m.float64)),
    lambda m: m.ones(2, dtype=m.long).requires_grad_(),
])
def test_errors(call):
    same_error(call)


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((2, 3, 4), (4,)), ((4,), (4,))], ids=str)
def test_matmul_of_complex_operands_conjugates_in_backward(shapes):
    a, b = randn(*shapes[0], 2), randn(*shapes[1], 2, seed=1)
    check(lambda m, x, y: m.view_as_real(m.view_as_complex(x) @ m.view_as_complex(y)), a, b)


def test_mul_with_complex_operands_conjugates_in_backward():
    def filtered(m, x, w, v):
        spectrum = m.fft.rfft(x)
        return m.fft.irfft(spectrum * w * m.view_as_complex(v) * (1 - 2j), 8)
    check(filtered, randn(2, 8), randn(5, seed=1), randn(5, 2, seed=2))

    def grad_of(m, x, w):
        (g,) = m.autograd.grad(m.view_as_real(m.fft.rfft(x) * w).pow(2).sum(), x, create_graph=True)
        return g
    check(grad_of, randn(8), randn(5, seed=1))
