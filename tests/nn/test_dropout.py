"""Dropout layers: masks are random, so tests check statistics, scaling, channel structure, eval identity, the
gradient (mask * scale), reprs, grad_fn names and errors; torch is run alongside where its behaviour is checkable."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember

ALPHA = 1.7580993408473766  # SELU scale * alpha


def _pos(*shape, seed=0):
    """Strictly positive input, so a zero in the output can only come from the mask."""
    return np.abs(np.random.default_rng(seed).standard_normal(shape)) + 0.5


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_statistics_scaling_and_gradient(p, dtype):
    ember.manual_seed(0)
    x = ember.tensor(_pos(200, 100).astype(dtype), requires_grad=True)
    y = ember.nn.Dropout(p)(x)
    assert y.dtype == x.dtype
    out = y.detach().numpy()
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.02
    np.testing.assert_allclose(out[kept], x.detach().numpy()[kept] / (1 - p), rtol=1e-6)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    y.backward(ember.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g * kept / (1 - p), rtol=1e-6)


def test_dropout_mean_is_preserved():
    ember.manual_seed(3)
    x = ember.ones(100000)
    assert abs(ember.nn.functional.dropout(x, 0.3).mean().item() - 1.0) < 0.02


@pytest.mark.parametrize("cls,shape", [("Dropout", (4, 5)), ("Dropout1d", (4, 5, 6)), ("Dropout2d", (2, 3, 4, 4)),
                                       ("Dropout3d", (2, 3, 2, 2, 2)), ("AlphaDropout", (4, 5)),
                                       ("FeatureAlphaDropout", (2, 3, 4))])
def test_eval_is_identity(cls, shape):
    m = getattr(ember.nn, cls)(0.5).eval()
    x = ember.randn(*shape)
    assert m(x) is x


@pytest.mark.parametrize("cls", ["Dropout", "Dropout2d", "AlphaDropout"])
def test_p_zero_is_identity_and_p_one_zeroes(cls):
    shape = (2, 3, 4, 4)
    x = ember.tensor(_pos(*shape))
    assert getattr(ember.nn, cls)(0.0)(x) is x
    y = getattr(ember.nn, cls)(1.0)(x)
    assert np.all(y.numpy() == 0)
    t = getattr(torch.nn, cls)(1.0)(torch.tensor(_pos(*shape)))
    assert np.all(t.numpy() == 0)


@pytest.mark.parametrize("cls,shape,feature_dims", [("Dropout2d", (8, 16, 5, 5), 2), ("Dropout3d", (8, 16, 3, 3, 3), 2),
                                                    ("Dropout1d", (8, 16, 7), 2), ("Dropout1d", (16, 7), 1),
                                                    ("Dropout3d", (16, 3, 3, 3), 1)])
def test_channelwise_masks(cls, shape, feature_dims):
    """Each channel (and sample) is either dropped entirely or kept entirely, scaled by 1/(1-p)."""
    ember.manual_seed(1)
    p = 0.4
    x = ember.tensor(_pos(*shape), requires_grad=True)
    y = getattr(ember.nn, cls)(p)(x)
    out = y.detach().numpy()
    per_channel = out.reshape(shape[:feature_dims] + (-1,))
    kept = per_channel != 0
    assert np.all(kept.all(-1) | (~kept).all(-1))
    assert 0 < kept.all(-1).mean() < 1
    np.testing.assert_allclose(out[out != 0], x.detach().numpy()[out != 0] / (1 - p))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (out != 0) / (1 - p))


def test_channelwise_statistics():
    ember.manual_seed(2)
    y = ember.nn.functional.dropout2d(ember.ones(400, 50, 2, 2), 0.3)
    assert abs((y.numpy()[:, :, 0, 0] == 0).mean() - 0.3) < 0.02


@pytest.mark.parametrize("feature", [False, True])
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_structure_matches_torch(feature, p):
    """Kept units map to a*x + b, dropped ones to the constant a*(-alpha)... + b; the same affine map as torch's."""
    a = 1 / math.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    shape = (40, 30, 8) if feature else (200, 100)
    x = np.random.default_rng(0).standard_normal(shape)
    fn = "feature_alpha_dropout" if feature else "alpha_dropout"
    ember.manual_seed(0)
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, fn)(xt, p, training=True)
        assert y.grad_fn.name() == "AddBackward0"
        out = y.detach().numpy()
        kept = np.isclose(out, a * x + ALPHA * a * p)
        dropped = np.isclose(out, ALPHA * a * (p - 1))
        assert np.all(kept | dropped)
        assert abs(dropped.mean() - p) < 0.03
        if feature:
            assert np.all(dropped.all(-1) | kept.all(-1))
        y.sum().backward()
        np.testing.assert_allclose(xt.grad.numpy(), a * kept)


def test_alpha_dropout_preserves_selu_statistics():
    ember.manual_seed(4)
    x = ember.randn(200000, dtype=ember.float64)
    y = ember.nn.AlphaDropout(0.2)(x)
    assert abs(y.mean().item()) < 0.02 and abs(y.std().item() - 1) < 0.02


def test_alpha_dropout_functional_defaults_to_eval():
    x = ember.randn(5)
    assert ember.nn.functional.alpha_dropout(x, 0.5) is x
    assert ember.nn.functional.feature_alpha_dropout(x, 0.5) is x


def test_seed_reproducibility():
    x = ember.ones(1000)
    ember.manual_seed(7)
    a = ember.nn.functional.dropout(x).numpy().copy()
    ember.manual_seed(7)
    b = ember.nn.functional.dropout(x).numpy()
    np.testing.assert_array_equal(a, b)


def test_inplace():
    ember.manual_seed(5)
    leaf = ember.tensor(_pos(50, 40), requires_grad=True)
    h = leaf * 1
    y = ember.nn.Dropout(0.5, inplace=True)(h)
    assert y is h
    out = y.detach().numpy()
    y.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), (out != 0) * 2.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.nn.functional.dropout(ember.randn(3, requires_grad=True), inplace=True)


@pytest.mark.parametrize("cls,shape", [("Dropout", (4, 5)), ("Dropout1d", (4, 5)), ("Dropout1d", (3, 4, 5)),
                                       ("Dropout2d", (2, 3, 4, 4)), ("Dropout3d", (3, 2, 2, 2)),
                                       ("Dropout3d", (2, 3, 2, 2, 2)), ("AlphaDropout", (4, 5)),
                                       ("FeatureAlphaDropout", (2, 3, 4))])
@pytest.mark.parametrize("training", [True, False])
def test_grad_fn_names(cls, shape, training):
    names = []
    for lib in (ember, torch):
        m = getattr(lib.nn, cls)(0.5).double().train(training)
        y = m(lib.tensor(_pos(*shape), requires_grad=True) * 1)
        names.append(y.grad_fn.name())
    assert names[0] == names[1]


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                 "FeatureAlphaDropout"])
@pytest.mark.parametrize("kwargs", [{}, dict(p=0.2), dict(p=0.3, inplace=True)])
def test_repr(cls, kwargs):
    assert repr(getattr(ember.nn, cls)(**kwargs)) == repr(getattr(torch.nn, cls)(**kwargs))


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_p_validation(p):
    with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
        ember.nn.Dropout(p)
    with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
        ember.nn.functional.dropout2d(ember.randn(2, 3, 4, 4), p)


def test_dimension_errors_and_warnings():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        ember.nn.Dropout1d()(ember.randn(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d and assuming that channel-wise 1D"):
        ember.nn.functional.dropout2d(ember.randn(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d, which is deprecated"):
        ember.nn.functional.dropout2d(ember.randn(2, 3, 4, 5, 6))
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d, which is deprecated"):
        ember.nn.functional.dropout3d(ember.randn(2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.nn.functional.dropout2d(ember.randn(2, 3, 4, 4))
        ember.nn.functional.dropout3d(ember.randn(2, 3, 2, 4, 4))
