"""Identity, Linear and Bilinear against PyTorch: values, gradients, default initialisation, reprs, grad_fn names,
state_dict keys and errors."""
import math

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, randn


def _pair(cls, *args, dtype=np.float64, **kwargs):
    e, t = getattr(ember.nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    return (e.double(), t.double()) if dtype == np.float64 else (e, t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_f,out_f,shape", [(4, 5, (3, 4)), (400, 120, (2, 400)), (3, 1, (3,)),
                                              (6, 2, (2, 3, 6)), (5, 3, (0, 5))])
def test_linear_matches_torch(in_f, out_f, shape, bias, dtype):
    e, t = _pair("Linear", in_f, out_f, bias=bias, dtype=dtype)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert out[0].dtype == (ember.float32 if dtype == np.float32 else ember.float64)


def test_linear_noncontiguous_input():
    w, b = randn(5, 4, seed=1), randn(5, seed=2)
    check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), randn(3, 4), w, b, noncontiguous=True)


@pytest.mark.parametrize("shape,bias", [((3, 4), True), ((3, 4), False), ((2, 3, 4), True), ((2, 3, 4), False),
                                        ((4,), True), ((4,), False)])
def test_linear_grad_fn_names(shape, bias):
    names = []
    for lib in (ember, torch):
        x = lib.tensor(randn(*shape), requires_grad=True)
        w = lib.tensor(randn(5, 4, seed=1))
        b = lib.tensor(randn(5, seed=2)) if bias else None
        names.append(lib.nn.functional.linear(x, w, b).grad_fn.name())
    assert names[0] == names[1]


def _graph(fn, depth: int = 3) -> list:
    """Node names of the backward graph, depth first (PyTorch's ``torch::autograd::`` prefix dropped); an empty
    edge reads None."""
    if fn is None or depth < 0:
        return None if fn is None else []
    name = fn.name().replace("torch::autograd::", "")
    return [name] + [_graph(f, depth - 1) for f, _ in fn.next_functions]


@pytest.mark.parametrize("shape,bias", [((3, 4), True), ((3, 4), False), ((2, 3, 4), True), ((4,), True)])
def test_linear_graph_matches_torch(shape, bias):
    # seed 001 walks loss.grad_fn.next_functions[0][0].next_functions[0][0] and expects AccumulateGrad (the bias):
    # addmm's inputs are (bias, input, weight.t()), and the weight sits behind a TBackward0 node
    graphs = []
    for lib in (ember, torch):
        x = lib.tensor(randn(*shape), requires_grad=True)
        w = lib.tensor(randn(5, 4, seed=1), requires_grad=True)
        b = lib.tensor(randn(5, seed=2), requires_grad=True) if bias else None
        graphs.append(_graph(lib.nn.functional.linear(x, w, b).grad_fn))
    assert graphs[0] == graphs[1]


@pytest.mark.parametrize("bias_shape", [(1,), ()])
def test_linear_broadcast_bias_gradient(bias_shape):
    check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), randn(3, 4), randn(5, 4, seed=1),
          randn(*bias_shape, seed=2))


def test_linear_weight_grad_is_contiguous():
    lin = ember.nn.Linear(4, 3)
    lin(ember.randn(2, 4)).sum().backward()
    assert lin.weight.grad.is_contiguous() and lin.weight.grad.shape == (3, 4)


def test_linear_vector_weight():
    check(lambda lib, x, w: lib.nn.functional.linear(x, w), randn(3, 4), randn(4, seed=1))
    with pytest.raises(RuntimeError, match="mat2 must be a matrix, got 1-D tensor"):
        ember.nn.functional.linear(ember.randn(3, 4), ember.randn(4), ember.randn(1))


def test_linear_double_backward():
    results = []
    for lib in (ember, torch):
        x = lib.tensor(randn(3, 4), requires_grad=True)
        w = lib.tensor(randn(5, 4, seed=1), requires_grad=True)
        b = lib.tensor(randn(5, seed=2), requires_grad=True)
        y = lib.nn.functional.linear(x, w, b)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        results.append(lib.autograd.grad((gx * gx).sum() + gw.sum(), (x, w, b)))
    for e, t in zip(*results):
        assert_close(e, t)


@pytest.mark.parametrize("in_f,out_f", [(400, 120), (120, 84), (84, 10), (3, 7)])
def test_linear_default_init(in_f, out_f):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)) for the weight; the bias uses the same bound."""
    ember.manual_seed(0)
    m = ember.nn.Linear(in_f, out_f)
    bound = 1 / math.sqrt(in_f)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (out_f, in_f) and b.shape == (out_f,)
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    if w.size > 1000:
        assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
        assert abs(w.mean()) < 0.05 * bound
    assert m.weight.requires_grad and m.bias.requires_grad


def test_linear_reset_parameters_redraws():
    m = ember.nn.Linear(10, 10)
    before = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.allclose(before, m.weight.detach().numpy())


def test_linear_state_dict_keys_and_repr():
    assert list(ember.nn.Linear(3, 2).state_dict()) == ["weight", "bias"]
    m = ember.nn.Linear(3, 2, bias=False)
    assert list(m.state_dict()) == ["weight"] and m.bias is None
    for args, kwargs in [((400, 120), {}), ((3, 2), dict(bias=False))]:
        assert repr(ember.nn.Linear(*args, **kwargs)) == repr(torch.nn.Linear(*args, **kwargs))
    assert repr(ember.nn.Linear(400, 120)) == "Linear(in_features=400, out_features=120, bias=True)"


def test_linear_dtype_argument():
    m = ember.nn.Linear(3, 2, dtype=ember.float64)
    assert m.weight.dtype == ember.float64 and m.bias.dtype == ember.float64


@pytest.mark.parametrize("shape,got", [((1, 3), "1x3"), ((2, 3, 3), "6x3"), ((3,), "1x3")])
def test_linear_feature_mismatch_is_pytorchs_message_with_a_note(shape, got):
    m = ember.nn.Linear(4, 5)
    with pytest.raises(RuntimeError) as e:
        m(ember.randn(*shape))
    assert str(e.value) == f"mat1 and mat2 shapes cannot be multiplied ({got} and 4x5)"
    assert e.value.__notes__ == [f"in Linear = Linear(in_features=4, out_features=5, bias=True) called with input of "
                                 f"shape {shape}"]
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)"):
        ember.nn.functional.linear(ember.randn(1, 3), ember.randn(5, 4))


def test_linear_other_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        ember.nn.Linear(3, 4)(ember.randn(2, 3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        F.linear(ember.randn(2, 3), ember.randn(4, 3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="both arguments to linear need to be at least 1D, but they are 0D and 2D"):
        F.linear(ember.tensor(1.0), ember.randn(4, 3))
    with pytest.raises(RuntimeError, match="must match the existing size"):
        F.linear(ember.randn(3, 4), ember.randn(5, 4), ember.randn(4))


def test_identity():
    m = ember.nn.Identity(54, unused_argument1=0.1)
    x = ember.randn(2, 3)
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Identity(54)) == "Identity()"
    assert list(m.parameters()) == []


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("s1,s2", [((3, 4), (3, 5)), ((2, 3, 4), (2, 3, 5)), ((4,), (5,))])
def test_bilinear_matches_torch(s1, s2, bias, dtype):
    e, t = _pair("Bilinear", 4, 5, 6, bias=bias, dtype=dtype)
    check_module(e, t, randn(*s1, dtype=dtype), randn(*s2, dtype=dtype, seed=1))


def test_bilinear_grad_fn_repr_and_init():
    names = []
    for lib in (ember, torch):
        x1, x2 = lib.tensor(randn(3, 4), requires_grad=True), lib.tensor(randn(3, 5), requires_grad=True)
        names.append(lib.nn.functional.bilinear(x1, x2, lib.tensor(randn(2, 4, 5))).grad_fn.name())
        names.append(lib.nn.Bilinear(4, 5, 2).double()(x1, x2).grad_fn.name())
    assert names[:2] == names[2:]
    assert repr(ember.nn.Bilinear(4, 5, 2, bias=False)) == repr(torch.nn.Bilinear(4, 5, 2, bias=False))
    m = ember.nn.Bilinear(16, 5, 2)
    assert m.weight.shape == (2, 16, 5) and np.abs(m.weight.detach().numpy()).max() <= 0.25
    assert np.abs(m.bias.detach().numpy()).max() <= 0.25


def test_bilinear_errors():
    F = ember.nn.functional
    w = ember.randn(4, 3, 3)
    with pytest.raises(RuntimeError, match="input1 size does not match weight size: got 2 but expected 3"):
        F.bilinear(ember.randn(2, 2), ember.randn(2, 3), w)
    with pytest.raises(RuntimeError, match="input2 size does not match weight size: got 4 but expected 3"):
        F.bilinear(ember.randn(2, 3), ember.randn(2, 4), w)
    with pytest.raises(RuntimeError, match="input batch dimensions do not match at dim 0: got 2 and 3"):
        F.bilinear(ember.randn(2, 3), ember.randn(3, 3), w)
    with pytest.raises(RuntimeError, match="input dimensions do not match: got 2 and 1"):
        F.bilinear(ember.randn(2, 3), ember.randn(3), w)
    with pytest.raises(RuntimeError, match="bias size does not match weight size: got 5 but expected 4"):
        F.bilinear(ember.randn(2, 3), ember.randn(2, 3), w, ember.randn(5))
    with pytest.raises(ValueError, match="in1_features must be > 0"):
        ember.nn.Bilinear(0, 3, 2)
