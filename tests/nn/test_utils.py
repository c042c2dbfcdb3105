"""nn.utils against PyTorch: clip_grad_norm_ (every norm type, non-finite norms), clip_grad_value_, the
vector <-> parameters conversions."""
import math

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]


def grads(dtype, scale, seed=0):
    rng = np.random.default_rng(seed)
    return [np.asarray(scale * rng.standard_normal(s), dtype=dtype) for s in SHAPES]


def make(lib, arrays):
    params = []
    for a in arrays:
        p = lib.nn.Parameter(lib.zeros(a.shape, dtype=getattr(lib, str(a.dtype))))
        p.grad = lib.tensor(a.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("foreach", [None, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.0])
@pytest.mark.parametrize("max_norm,scale", [(1.0, 1.0), (100.0, 1.0), (0.5, 10.0)])
def test_clip_grad_norm_matches_torch(norm_type, dtype, max_norm, scale, foreach):
    arrays = grads(dtype, scale)
    e, t = make(ember, arrays), make(torch, arrays)
    e_total = ember.nn.utils.clip_grad_norm_(e, max_norm, norm_type=norm_type, foreach=foreach)
    t_total = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type=norm_type, foreach=foreach)
    assert_close(e_total, t_total)
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)


def test_clip_grad_norm_single_tensor_generator_and_no_grads():
    arrays = grads(np.float32, 3.0)
    e, t = make(ember, arrays[:1]), make(torch, arrays[:1])
    assert_close(ember.nn.utils.clip_grad_norm_(e[0], 1.0), torch.nn.utils.clip_grad_norm_(t[0], 1.0))
    assert_close(e[0].grad, t[0].grad)
    e, t = make(ember, arrays), make(torch, arrays)
    assert_close(ember.nn.utils.clip_grad_norm_((p for p in e), 2.0), torch.nn.utils.clip_grad_norm_(iter(t), 2.0))
    bare_e, bare_t = ember.nn.Parameter(ember.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert_close(ember.nn.utils.clip_grad_norm_([bare_e], 1.0), torch.nn.utils.clip_grad_norm_([bare_t], 1.0))
    assert_close(ember.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_non_finite(bad):
    arrays = grads(np.float32, 1.0)
    arrays[0][0, 0] = bad
    e, t = make(ember, arrays), make(torch, arrays)
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.utils.clip_grad_norm_(t, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as e_err:
        ember.nn.utils.clip_grad_norm_(e, 1.0, error_if_nonfinite=True)
    assert str(e_err.value) == str(t_err.value)
    assert all(np.array_equal(p.grad.numpy(), a, equal_nan=True) for p, a in zip(e, arrays))  # untouched
    assert_close(ember.nn.utils.clip_grad_norm_(e, 1.0), torch.nn.utils.clip_grad_norm_(t, 1.0))
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    arrays = grads(np.float64, 2.0)
    e, t = make(ember, arrays), make(torch, arrays)
    e_norm = ember.nn.utils.get_total_norm([p.grad for p in e], 3.0)
    t_norm = torch.nn.utils.get_total_norm([p.grad for p in t], 3.0)
    assert_close(e_norm, t_norm)
    ember.nn.utils.clip_grads_with_norm_(e, 1.5, e_norm)
    torch.nn.utils.clip_grads_with_norm_(t, 1.5, t_norm)
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)


def test_clip_grad_norm_deprecated_alias():
    e = make(ember, grads(np.float32, 5.0))
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        ember.nn.utils.clip_grad_norm(e, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("clip_value", [0.1, 1, 5.0])
def test_clip_grad_value_matches_torch(clip_value, dtype):
    arrays = grads(dtype, 2.0)
    e, t = make(ember, arrays), make(torch, arrays)
    assert ember.nn.utils.clip_grad_value_(e, clip_value) is None
    torch.nn.utils.clip_grad_value_(t, clip_value)
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)
        assert pe.grad.dtype == pe.dtype


def test_parameters_to_vector_and_back():
    arrays = grads(np.float64, 1.0)
    e = [ember.nn.Parameter(ember.tensor(a)) for a in arrays]
    t = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    ve, vt = ember.nn.utils.parameters_to_vector(e), torch.nn.utils.parameters_to_vector(t)
    assert_close(ve, vt)
    assert ve.grad_fn is not None and ve.grad_fn.name() == vt.grad_fn.name()
    (ve * ember.arange(ve.numel(), dtype=ember.float64)).sum().backward()
    (vt * torch.arange(vt.numel(), dtype=torch.float64)).sum().backward()
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)
    new = np.linspace(0, 1, ve.numel())
    ember.nn.utils.vector_to_parameters(ember.tensor(new), e)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t)
    for pe, pt in zip(e, t):
        assert_close(pe, pt)
        assert isinstance(pe, ember.nn.Parameter) and pe.requires_grad


def test_vector_to_parameters_rejects_non_tensor():
    with pytest.raises(TypeError) as t_err:
        torch.nn.utils.vector_to_parameters([1.0], [torch.nn.Parameter(torch.ones(1))])
    with pytest.raises(TypeError) as e_err:
        ember.nn.utils.vector_to_parameters([1.0], [ember.nn.Parameter(ember.ones(1))])
    assert str(e_err.value) == str(t_err.value).replace("torch", "ember")
