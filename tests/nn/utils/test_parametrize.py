"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm) and the hook-based
weight_norm / spectral_norm against PyTorch: state-dict names, values, gradients, removal."""
import warnings

import numpy as np
import pytest
import torch

import ember


def _linear(lib, out=3, inp=4):
    m = lib.nn.Linear(inp, out)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(np.sin(np.arange(out * inp) * 0.9).reshape(out, inp).astype(np.float32)))
        m.bias.copy_(lib.tensor(np.cos(np.arange(out)).astype(np.float32)))
    return m


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    return Symmetric()


def _run(lib, m):
    x = lib.tensor(np.linspace(-1, 1, 8).reshape(2, 4).astype(np.float32))
    y = m(x)
    y.pow(2).sum().backward()
    return y


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def test_register_parametrization_matches_torch():
    results = []
    for lib in (ember, torch):
        m = _linear(lib, 4, 4)
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", _symmetric(lib))
        y = _run(lib, m)
        results.append((type(m).__name__, sorted(m.state_dict()), y, m.parametrizations.weight.original.grad,
                        P.is_parametrized(m), P.is_parametrized(m, "bias"), P.type_before_parametrizations(m).__name__))
    (en, ek, ey, eg, *erest), (tn, tk, ty, tg, *trest) = results
    assert (en, ek, erest) == (tn, tk, trest) == ("ParametrizedLinear", ["bias", "parametrizations.weight.original"],
                                                   [True, False, "Linear"])
    _close(ey, ty)
    _close(eg, tg)


def test_assignment_runs_right_inverse_and_cached_computes_once():
    m = _linear(ember, 4, 4)
    P = ember.nn.utils.parametrize
    P.register_parametrization(m, "weight", _symmetric(ember))
    original = m.parametrizations.weight.original
    m.weight = ember.eye(4) * 2
    assert m.parametrizations.weight.original is original
    np.testing.assert_array_equal(original.detach().numpy(), np.eye(4) * 2)
    with P.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_torch(leave):
    results = []
    for lib in (ember, torch):
        m = _linear(lib, 4, 4)
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", _symmetric(lib))
        P.register_parametrization(m, "weight", lib.nn.Tanh())
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        results.append((type(m).__name__, sorted(m.state_dict()), m.weight, type(m.weight).__name__))
    assert results[0][0] == results[1][0] == "Linear" and results[0][1] == results[1][1]
    assert results[0][3] == results[1][3] == "Parameter"
    _close(results[0][2], results[1][2])


def test_parametrize_errors_match_torch():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(2, 2), "weight")
        with pytest.raises(ValueError, match="may not change the shape of the tensor"):
            lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(2, 3), "weight", _Transpose(lib)())


def _Transpose(lib):
    class Transpose(lib.nn.Module):
        def forward(self, X):
            return X.T

    return Transpose


@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_matches_torch(dim):
    results = []
    for lib in (ember, torch):
        m = lib.nn.utils.parametrizations.weight_norm(_linear(lib), dim=dim)
        y = _run(lib, m)
        p = m.parametrizations.weight
        results.append((sorted(m.state_dict()), y, p.original0, p.original1, p.original0.grad, p.original1.grad))
    assert results[0][0] == results[1][0] == ["bias", "parametrizations.weight.original0",
                                              "parametrizations.weight.original1"]
    for a, b in zip(results[0][1:], results[1][1:]):
        _close(a, b)


def test_parametrizations_weight_norm_loads_an_old_style_state_dict():
    old = torch.nn.utils.parametrizations.weight_norm(_linear(torch))
    sd = {"bias": old.bias, "weight_g": old.parametrizations.weight.original0,
          "weight_v": old.parametrizations.weight.original1 * 2}
    m = ember.nn.utils.parametrizations.weight_norm(ember.nn.Linear(4, 3))
    m.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in sd.items()})
    _close(m.parametrizations.weight.original1, sd["weight_v"])


def _copy_buffers(src, dst, names):
    with ember.no_grad():
        for name in names:
            dst_buf = dst
            src_buf = src
            for part in name.split("."):
                dst_buf, src_buf = getattr(dst_buf, part), getattr(src_buf, part)
            dst_buf.copy_(ember.tensor(src_buf.detach().numpy()))


@pytest.mark.parametrize("train", [True, False])
def test_parametrizations_spectral_norm_matches_torch(train):
    torch.manual_seed(0)
    t = torch.nn.utils.parametrizations.spectral_norm(_linear(torch))
    e = ember.nn.utils.parametrizations.spectral_norm(_linear(ember))
    assert sorted(e.state_dict()) == sorted(t.state_dict()) == [
        "bias", "parametrizations.weight.0._u", "parametrizations.weight.0._v", "parametrizations.weight.original"]
    _copy_buffers(t, e, ["parametrizations.weight.0._u", "parametrizations.weight.0._v"])
    t.train(train)
    e.train(train)
    _close(_run(ember, e), _run(torch, t))
    _close(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)
    _close(e.parametrizations.weight[0]._u, t.parametrizations.weight[0]._u)
    # the spectral norm of the normalised weight is 1 once the power iteration has converged
    w = ember.nn.utils.parametrizations.spectral_norm(_linear(ember)).weight
    assert abs(np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] - 1.0) < 1e-4


@pytest.mark.parametrize("dim", [0, 1])
def test_old_weight_norm_matches_torch_and_is_removable(dim):
    results = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = lib.nn.utils.weight_norm(_linear(lib), dim=dim)
        y = _run(lib, m)
        results.append((sorted(m.state_dict()), y, m.weight_g, m.weight_g.grad, m.weight_v.grad))
        lib.nn.utils.remove_weight_norm(m)
        assert sorted(m.state_dict()) == ["bias", "weight"] and type(m.weight).__name__ == "Parameter"
    assert results[0][0] == results[1][0] == ["bias", "weight_g", "weight_v"]
    for a, b in zip(results[0][1:], results[1][1:]):
        _close(a, b)
    with pytest.warns(FutureWarning, match="weight_norm` is deprecated"):
        ember.nn.utils.weight_norm(ember.nn.Linear(2, 2))


def test_old_spectral_norm_matches_torch_and_is_removable():
    torch.manual_seed(0)
    t = torch.nn.utils.spectral_norm(_linear(torch))
    e = ember.nn.utils.spectral_norm(_linear(ember))
    assert sorted(e.state_dict()) == sorted(t.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    _copy_buffers(t, e, ["weight_u", "weight_v"])
    _close(_run(ember, e), _run(torch, t))
    _close(e.weight_orig.grad, t.weight_orig.grad)
    _close(e.weight_u, t.weight_u)
    for lib, m in ((ember, e), (torch, t)):
        lib.nn.utils.remove_spectral_norm(m)
        assert sorted(m.state_dict()) == ["bias", "weight"]
    _close(e.weight, t.weight)
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
            lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_parametrizations_orthogonal_matches_torch(shape, orthogonal_map):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape).astype(np.float32)
    step = rng.standard_normal(shape).astype(np.float32) * 0.3
    results = []
    for lib in (torch, ember):
        m = lib.nn.Linear(shape[1], shape[0])
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map)
        if lib is ember:  # a non-square base is completed with random columns: take torch's
            with lib.no_grad():
                m.parametrizations.weight[0].base.copy_(ember.tensor(results[0][4]))
        first = m.weight
        with lib.no_grad():
            m.parametrizations.weight.original.add_(lib.tensor(step))
        second = m.weight
        second.pow(3).sum().backward()
        results.append((sorted(m.state_dict()), first, second, m.parametrizations.weight.original.grad,
                        m.parametrizations.weight[0].base.numpy()))
    assert results[0][0] == results[1][0] == ["bias", "parametrizations.weight.0.base",
                                              "parametrizations.weight.original"]
    # householder multiplies by the diagonal truncated to integers, as PyTorch: orthogonal only while it is +-1
    q = (results[1][2] if orthogonal_map != "householder" else results[1][1]).detach().numpy()
    q = q if shape[0] >= shape[1] else q.T
    np.testing.assert_allclose(q.T @ q, np.eye(q.shape[1]), atol=1e-5)
    for a, b in zip(results[1][1:4], results[0][1:4]):
        _close(a, b, 1e-4)


def test_orthogonal_errors_match_torch():
    for lib in (ember, torch):
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias")
        with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), orthogonal_map="qr")
