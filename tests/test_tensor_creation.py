"""Tensor creation against PyTorch: tensor/as_tensor/from_numpy, factories, *_like, random draws, legacy forms."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

DATA = {
    "floats": [1.5, 2.0], "ints": [1, 2, 3], "bools": [True, False], "nested": [[1, 2], [3, 4]],
    "mixed_int_float": [1, 2.5], "mixed_bool_int": [True, 2], "scalar_float": 3.0, "scalar_int": 7,
    "scalar_bool": True, "empty": [], "empty_nested": [[], []], "tuple": (1.0, 2.0),
    "np_float64": np.array([1.0, 2.0]), "np_float32": np.array([1.0], dtype=np.float32),
    "np_int32": np.array([3], dtype=np.int32), "np_uint8": np.array([255], dtype=np.uint8),
    "np_bool": np.array([True]), "np_scalar": np.float64(2.5), "np_int_scalar": np.int64(4),
    "np_float16": np.array([0.5], dtype=np.float16), "np_int8": np.array([-3], dtype=np.int8),
    "np_int16": np.array([300], dtype=np.int16), "list_of_np_scalars": [np.float32(1.0), np.float32(2.0)],
}


@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool", "float16", "uint8"])
@pytest.mark.parametrize("name", DATA)
def test_tensor_infers_dtype_like_pytorch(name, dtype):
    if name == "list_of_np_scalars" and dtype in ("int32", "bool", "uint8"):
        pytest.skip("torch refuses to convert a list of NumPy floats to an integer dtype (a TypeError quirk)")
    kwargs = {} if dtype is None else {"dtype": getattr(ember, dtype)}
    tkwargs = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    assert_close(ember.tensor(DATA[name], **kwargs), torch.tensor(DATA[name], **tkwargs))


@pytest.mark.parametrize("data", [0.3, [0.1, 0.7], [[1e-40, 1 / 3]], [1, 0.2]])
def test_python_floats_become_float64_without_a_float32_detour(data):
    got = ember.tensor(data, dtype=ember.float64).numpy()
    want = torch.tensor(data, dtype=torch.float64).numpy()
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_tensor_from_list_of_tensors():
    assert_close(ember.tensor([ember.tensor(1.5), ember.tensor(2.5)]), torch.tensor([torch.tensor(1.5),
                                                                                      torch.tensor(2.5)]))


def test_tensor_copies_and_as_tensor_shares():
    a = np.array([1.0, 2.0])
    t, s = ember.tensor(a), ember.as_tensor(a)
    a[0] = 9.0
    assert t[0].item() == 1.0 and s[0].item() == 9.0
    x = ember.ones(2)
    assert ember.as_tensor(x) is x and ember.as_tensor(x, dtype=ember.float64).dtype == ember.float64


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3, dtype=np.float32)
    t = ember.from_numpy(a)
    a[1] = 5.0
    t[2] = 7.0
    assert t.tolist() == [0.0, 5.0, 7.0] and a.tolist() == [0.0, 5.0, 7.0]
    assert t.dtype == ember.float32 and ember.from_numpy(np.arange(3)).dtype == ember.int64
    assert np.shares_memory(t.numpy(), a)


def test_from_numpy_refuses_unsupported_dtypes():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.str_") as torch_err:
        torch.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        ember.from_numpy(np.array(["a"]))
    # ember has no uint16 dtype (PyTorch has): it is refused the same way
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        ember.from_numpy(np.array([1], dtype=np.uint16))
    assert ember.from_numpy(np.array([1 + 2j])).dtype is ember.complex128


def test_tensor_refuses_strings():
    with pytest.raises((TypeError, ValueError)):
        torch.tensor(["a"])
    with pytest.raises((TypeError, ValueError)):
        ember.tensor(["a"])


def test_requires_grad_only_for_floats():
    assert ember.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError) as torch_err:
        torch.tensor([1], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        ember.tensor([1], requires_grad=True)
    assert str(err.value) == str(torch_err.value)


FACTORIES = {
    "zeros": lambda m: m.zeros(2, 3), "zeros_tuple": lambda m: m.zeros((2, 3)), "zeros_list": lambda m: m.zeros([4]),
    "zeros_size": lambda m: m.zeros(m.ones(2, 5).shape), "zeros_int": lambda m: m.zeros(3, dtype=m.int32),
    "zeros_0d": lambda m: m.zeros(()), "ones": lambda m: m.ones(2, 1, dtype=m.float64),
    "ones_bool": lambda m: m.ones(2, dtype=m.bool), "full_float": lambda m: m.full((2, 2), 1.5),
    "full_int": lambda m: m.full((2,), 7), "full_bool": lambda m: m.full((2,), True),
    "full_dtype": lambda m: m.full((2,), 7, dtype=m.float64), "full_list_size": lambda m: m.full([3], -1.0),
    "eye": lambda m: m.eye(3), "eye_rect": lambda m: m.eye(2, 4, dtype=m.int64),
    "arange": lambda m: m.arange(5), "arange_start": lambda m: m.arange(2, 7),
    "arange_step": lambda m: m.arange(1, 10, 3), "arange_float": lambda m: m.arange(0, 1, 0.25),
    "arange_float_end": lambda m: m.arange(2.5), "arange_neg": lambda m: m.arange(5, 0, -2),
    "arange_dtype": lambda m: m.arange(4, dtype=m.float64), "arange_float_step_int": lambda m: m.arange(0, 3, 1.0),
    "arange_inexact": lambda m: m.arange(0, 0.3, 0.1), "arange_tensor": lambda m: m.arange(m.tensor(3)),
    "linspace": lambda m: m.linspace(0, 1, 5), "linspace_one": lambda m: m.linspace(2, 3, 1),
    "linspace_int_dtype": lambda m: m.linspace(0, 10, 4, dtype=m.int64),
    "linspace_desc": lambda m: m.linspace(3, -1, 7), "logspace": lambda m: m.logspace(0, 2, 3),
    "logspace_base": lambda m: m.logspace(0, 3, 4, base=2),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, 3, dtype=m.int32)),
    "ones_like_dtype": lambda m: m.ones_like(m.ones(2), dtype=m.float64),
    "full_like": lambda m: m.full_like(m.ones(2, dtype=m.int64), 3.7),
    "empty_like_shape": lambda m: m.empty_like(m.ones(4, 2)).shape,
    "empty_shape": lambda m: m.empty(3, 0).shape, "empty_dtype": lambda m: m.empty(2, dtype=m.int8).dtype,
    "new_zeros": lambda m: m.ones(2, dtype=m.float64).new_zeros(3), "new_ones": lambda m: m.ones(1).new_ones((2, 2)),
    "new_full": lambda m: m.ones(1, dtype=m.int32).new_full((2,), 5),
    "new_tensor": lambda m: m.ones(1, dtype=m.float64).new_tensor([1, 2]),
    "new_empty": lambda m: m.ones(1).new_empty(2, 3).shape,
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factories(name):
    e, t = FACTORIES[name](ember), FACTORIES[name](torch)
    if isinstance(t, torch.Tensor):
        assert_close(e, t, rtol=1e-6, atol=1e-7)
    else:
        assert tuple(e) == tuple(t) if isinstance(t, torch.Size) else str(e) == str(t).replace("torch", "ember")


@pytest.mark.parametrize("expr", [
    lambda m: m.zeros(-1), lambda m: m.arange(0, 5, 0), lambda m: m.arange(5, 0, 1), lambda m: m.eye(-2),
    lambda m: m.linspace(0, 1, -1), lambda m: m.full((2,), 1.5, dtype=m.int64).sum() + m.zeros(2, 3, 4).view(5),
])
def test_factory_errors(expr):
    with pytest.raises(Exception) as torch_err:
        expr(torch)
    with pytest.raises(type(torch_err.value)) as err:
        expr(ember)
    assert str(err.value) == str(torch_err.value).replace("torch.", "ember.")


def test_factory_requires_grad():
    for fn in (ember.zeros, ember.ones, ember.rand, ember.randn, ember.empty):
        t = fn(2, requires_grad=True)
        assert t.requires_grad and t.is_leaf and t.grad_fn is None
    assert ember.full((2,), 1.0, requires_grad=True).requires_grad
    assert ember.zeros_like(ember.ones(2), requires_grad=True).requires_grad


RANDOM = {
    "rand": lambda m, g: m.rand(2000, generator=g), "randn": lambda m, g: m.randn(50, 40, generator=g),
    "rand_f64": lambda m, g: m.rand(1000, dtype=m.float64, generator=g),
    "randint": lambda m, g: m.randint(3, 9, (2000,), generator=g), "randint_high": lambda m, g: m.randint(4, (2000,), generator=g),
    "randperm": lambda m, g: m.randperm(50, generator=g), "normal": lambda m, g: m.normal(2.0, 3.0, (2000,), generator=g),
    "normal_tensor": lambda m, g: m.normal(m.zeros(2000), m.ones(2000) * 2, generator=g),
    "bernoulli": lambda m, g: m.bernoulli(m.full((4000,), 0.3), generator=g),
    "rand_like": lambda m, g: m.rand_like(m.zeros(1000, dtype=m.float64)),
    "randn_like": lambda m, g: m.randn_like(m.zeros(1000)),
    "randint_like": lambda m, g: m.randint_like(m.zeros(1000), 5),
    "multinomial": lambda m, g: m.multinomial(m.tensor([0.1, 0.2, 0.7]), 2000, replacement=True, generator=g),
    "uniform_": lambda m, g: m.empty(2000).uniform_(-2, 3, generator=g),
    "normal_": lambda m, g: m.empty(2000).normal_(1, 0.5, generator=g),
}


@pytest.mark.parametrize("name", RANDOM)
def test_random_draws_match_pytorch_in_distribution(name):
    """Streams differ from PyTorch's by design; dtype, shape, support and moments agree."""
    e = RANDOM[name](ember, ember.Generator().manual_seed(1))
    t = RANDOM[name](torch, torch.Generator().manual_seed(1))
    assert e.dtype == getattr(ember, str(t.dtype).split(".")[1]) and tuple(e.shape) == tuple(t.shape)
    a, b = e.double().numpy(), t.double().numpy()
    assert a.min() >= b.min() - 3 * b.std() - 1e-9 and a.max() <= b.max() + 3 * b.std() + 1e-9
    np.testing.assert_allclose(a.mean(), b.mean(), atol=0.15 * max(b.std(), 0.1) + 0.05)
    np.testing.assert_allclose(a.std(), b.std(), rtol=0.15, atol=0.02)
    if name in ("randint", "randint_high", "randperm", "bernoulli", "multinomial"):
        assert set(np.unique(a)) <= set(range(0, 50))


def test_randperm_is_a_permutation():
    assert sorted(ember.randperm(20).tolist()) == list(range(20))


def test_manual_seed_reproduces_and_generators_are_independent():
    ember.manual_seed(3)
    a = ember.randn(5)
    ember.manual_seed(3)
    assert ember.equal(ember.randn(5), a)
    g1, g2 = ember.Generator().manual_seed(0), ember.Generator().manual_seed(0)
    assert ember.equal(ember.rand(4, generator=g1), ember.rand(4, generator=g2))
    assert g1.initial_seed() == 0
    state = ember.get_rng_state()
    x = ember.rand(3)
    ember.set_rng_state(state)
    assert ember.equal(ember.rand(3), x)
    assert isinstance(ember.manual_seed(1), ember.Generator)


def test_legacy_tensor_constructor():
    assert_close(ember.Tensor([1, 2]), torch.Tensor([1, 2]))
    assert_close(ember.Tensor([[1.5]]), torch.Tensor([[1.5]]))
    assert ember.Tensor(2, 3).shape == (2, 3) and ember.Tensor(2, 3).dtype == ember.float32
    assert ember.Tensor().shape == torch.Tensor().shape
    assert ember.Tensor(ember.Size([4])).shape == (4,)
    assert isinstance(ember.ones(1), ember.Tensor)


def test_legacy_variable():
    v = ember.autograd.Variable(ember.ones(2), requires_grad=True)
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]
    assert ember.autograd.Variable(ember.ones(1)).requires_grad is False
