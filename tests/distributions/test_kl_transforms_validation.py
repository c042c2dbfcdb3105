"""kl_divergence and register_kl, transforms and biject_to/transform_to, and argument validation, against
PyTorch (values, gradients, exception types and messages)."""
import numpy as np
import pytest
import torch

import ember
from tests.distributions.test_distributions import SPECS
from tests.oracle import check, same_error

KL_PAIRS = [("Normal", "Normal"), ("Gamma", "Gamma"), ("Beta", "Beta"), ("Dirichlet", "Dirichlet"),
            ("Exponential", "Exponential"), ("Laplace", "Laplace"), ("Bernoulli", "Bernoulli"),
            ("Categorical", "Categorical"), ("OneHotCategorical", "OneHotCategorical"), ("Poisson", "Poisson"),
            ("Geometric", "Geometric"), ("Gumbel", "Gumbel"), ("HalfNormal", "HalfNormal"), ("Cauchy", "Cauchy"),
            ("Uniform", "Uniform"), ("Binomial", "Binomial"), ("Pareto", "Pareto"), ("LogNormal", "LogNormal"),
            ("Independent", "Independent"), ("MultivariateNormal", "MultivariateNormal"),
            ("MultivariateNormal", "LowRankMultivariateNormal"), ("LowRankMultivariateNormal", "MultivariateNormal"),
            ("LowRankMultivariateNormal", "LowRankMultivariateNormal"), ("ContinuousBernoulli", "ContinuousBernoulli"),
            ("Normal", "Laplace"), ("Normal", "Gumbel"), ("Laplace", "Normal"), ("Exponential", "Gamma"),
            ("Gamma", "Normal"), ("Beta", "Normal"), ("Uniform", "Normal"), ("Normal", "Exponential"),
            ("Bernoulli", "Poisson"), ("Gamma", "Exponential")]


@pytest.mark.parametrize("p,q", KL_PAIRS)
def test_kl_divergence_and_its_gradients_match_torch(p, q):
    fp, pp, _, _ = SPECS[p]
    fq, qp, _, _ = SPECS[q]
    n = len(pp)
    check(lambda L, *ps: L.distributions.kl_divergence(fp(L, *ps[:n]), fq(L, *ps[n:])), *pp, *qp,
          rtol=1e-7, atol=1e-9)


def test_kl_of_an_unregistered_pair_raises_torchs_error():
    same_error(lambda L: L.distributions.kl_divergence(L.distributions.VonMises(0.0, 1.0),
                                                       L.distributions.Normal(0.0, 1.0)))


def test_register_kl_dispatches_to_the_most_specific_pair():
    class MyNormal(ember.distributions.Normal):
        pass

    @ember.distributions.register_kl(MyNormal, ember.distributions.Normal)
    def _kl(p, q):
        return ember.tensor(42.0)

    p, q = MyNormal(0.0, 1.0), ember.distributions.Normal(1.0, 2.0)
    assert float(ember.distributions.kl_divergence(p, q)) == 42.0
    assert float(ember.distributions.kl_divergence(q, q)) == 0.0


T = ember.distributions.transforms
TRANSFORMS = {
    "Exp": lambda L: L.distributions.transforms.ExpTransform(),
    "Sigmoid": lambda L: L.distributions.transforms.SigmoidTransform(),
    "Tanh": lambda L: L.distributions.transforms.TanhTransform(),
    "Softplus": lambda L: L.distributions.transforms.SoftplusTransform(),
    "Affine": lambda L: L.distributions.transforms.AffineTransform(1.5, -2.0),
    "StickBreaking": lambda L: L.distributions.transforms.StickBreakingTransform(),
    "CorrCholesky": lambda L: L.distributions.transforms.CorrCholeskyTransform(),
    "Compose": lambda L: L.distributions.transforms.ComposeTransform(
        [L.distributions.transforms.ExpTransform(), L.distributions.transforms.AffineTransform(0.5, 3.0)]),
    "Independent": lambda L: L.distributions.transforms.IndependentTransform(
        L.distributions.transforms.SigmoidTransform(), 1),
    "Power": lambda L: L.distributions.transforms.PowerTransform(L.tensor(np.array(1.7))),
    "Reshape": lambda L: L.distributions.transforms.ReshapeTransform((6,), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_forward_inverse_and_log_det_match_torch(name):
    x = np.abs(np.random.default_rng(0).standard_normal((4, 6))) + 0.1

    def fn(L, x):
        t = TRANSFORMS[name](L)
        y = t(x)
        return y, t.inv(y), t.log_abs_det_jacobian(x, y)

    check(fn, x, rtol=1e-7, atol=1e-9)
    assert repr(TRANSFORMS[name](ember)) == repr(TRANSFORMS[name](torch))


@pytest.mark.parametrize("constraint", ["real", "positive", "unit_interval", "simplex", "corr_cholesky",
                                        "lower_cholesky", "greater_than(2.0)", "interval(-1.0, 3.0)", "real_vector"])
def test_biject_to_and_transform_to_pick_torchs_transforms(constraint):
    for registry in ("biject_to", "transform_to"):
        def build(L):
            c = eval(f"L.distributions.constraints.{constraint}")
            return getattr(L.distributions, registry)(c)
        try:
            want = repr(build(torch))
        except NotImplementedError:
            same_error(build)
            continue
        assert repr(build(ember)) == want


def test_transformed_distribution_over_a_sigmoid_is_a_logit_normal():
    x = np.random.default_rng(1).uniform(0.1, 0.9, (5,))
    check(lambda L, m, s, v: L.distributions.TransformedDistribution(
        L.distributions.Normal(m, s), [L.distributions.transforms.SigmoidTransform()]).log_prob(v),
          np.zeros(5), np.ones(5), x, rtol=1e-7, atol=1e-9)


# argument validation: PyTorch's ValueErrors, word for word
BAD = [
    lambda L: L.distributions.Normal(L.zeros(2, dtype=L.float64), -L.ones(2, dtype=L.float64)),
    lambda L: L.distributions.Normal(L.zeros(2), L.ones(2)).log_prob(L.zeros(3)),
    lambda L: L.distributions.Bernoulli(L.tensor([0.5, 1.5])),
    lambda L: L.distributions.Bernoulli(),
    lambda L: L.distributions.Bernoulli(probs=L.tensor([0.5]), logits=L.tensor([0.0])),
    lambda L: L.distributions.Bernoulli(L.tensor([0.5])).log_prob(L.tensor([0.5])),
    lambda L: L.distributions.Categorical(L.tensor(0.5)),
    lambda L: L.distributions.Categorical(L.tensor([0.5, 0.5])).log_prob(L.tensor([2])),
    lambda L: L.distributions.Gamma(L.tensor([1.0]), L.tensor([0.0])),
    lambda L: L.distributions.Uniform(L.tensor([1.0]), L.tensor([0.0])),
    lambda L: L.distributions.Dirichlet(L.tensor(1.0)),
    lambda L: L.distributions.Exponential(L.tensor([1.0])).log_prob(L.tensor([-1.0])),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda L: L.distributions.Independent(L.distributions.Normal(L.zeros(2), L.ones(2)), 2),
    lambda L: L.distributions.Normal(L.zeros(2), "a"),
    lambda L: L.distributions.Geometric(L.tensor([0.0, 0.5])),
    lambda L: L.distributions.Multinomial(L.tensor(2), L.tensor([0.5, 0.5])),
    lambda L: L.distributions.LKJCholesky(1),
    lambda L: L.distributions.transforms.ReshapeTransform((2,), (3,)),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_invalid_arguments_raise_torchs_errors(i):
    same_error(BAD[i])


def test_validation_can_be_switched_off():
    try:
        ember.distributions.Distribution.set_default_validate_args(False)
        ember.distributions.Normal(ember.zeros(2), -ember.ones(2))
    finally:
        ember.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ember.distributions.Normal(ember.zeros(2), -ember.ones(2))
    ember.distributions.Normal(ember.zeros(2), -ember.ones(2), validate_args=False)
    with pytest.raises(ValueError):
        ember.distributions.Distribution.set_default_validate_args(2)


def test_distributions_cover_torchs_public_names():
    names = [n for n in dir(torch.distributions) if not n.startswith("_")]
    missing = [n for n in names if not hasattr(ember.distributions, n)]
    assert len(missing) <= 0.05 * len(names), missing
