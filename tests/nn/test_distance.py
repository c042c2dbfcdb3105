"""CosineSimilarity, PairwiseDistance, F.normalize and F.pdist against PyTorch: values, gradients (including the
eps paths at zero vectors), broadcasting, reprs, grad_fn names and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, randn
from tests.autograd.test_next_functions import graph


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs,s1,s2", [({}, (4, 5), (4, 5)), (dict(dim=0), (5,), (5,)),
                                          (dict(dim=-1), (2, 1, 3), (4, 3)), (dict(dim=2, eps=1e-3), (2, 3, 4), (2, 3, 4)),
                                          ({}, (3, 5, 2), (1, 5, 1))])
def test_cosine_similarity_matches_torch(kwargs, s1, s2, dtype):
    check_module(ember.nn.CosineSimilarity(**kwargs), torch.nn.CosineSimilarity(**kwargs),
                 randn(*s1, dtype=dtype), randn(*s2, dtype=dtype, seed=1))


def test_cosine_similarity_zero_vector_uses_eps():
    x1 = np.zeros((2, 3))
    x1[1] = [1.0, 2.0, 3.0]
    out = check(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), x1, randn(2, 3, seed=2), rtol=1e-6)
    assert out[0].grad_fn.name() == "SumBackward1"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs,s1,s2", [({}, (4, 5), (4, 5)), (dict(p=1.0), (4, 5), (5,)),
                                          (dict(keepdim=True), (4, 5), (4, 5)), (dict(p=3.0, eps=0.0), (2, 3, 4), (2, 3, 4)),
                                          ({}, (5,), (5,)),
                                          (dict(p=float("inf")), (3, 4), (3, 4))])
def test_pairwise_distance_matches_torch(kwargs, s1, s2, dtype):
    check_module(ember.nn.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs),
                 randn(*s1, dtype=dtype), randn(*s2, dtype=dtype, seed=1))


def _graphs(make, depth: int = 12) -> list:
    """``make(lib)``'s grad_fn graph (names and next_functions edges, recursively) for ember and torch."""
    return [graph(lib, make(lib).grad_fn, depth) for lib in (ember, torch)]


def _leaves(lib, *shapes):
    return [lib.tensor(randn(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("kwargs,s1,s2", [({}, (3, 4), (3, 4)), (dict(p=1.0, keepdim=True), (3, 4), (4,)),
                                          (dict(eps=0.0), (5,), (5,)), ({}, (), ()), (dict(p=3.0), (2, 3, 4), (1, 4))])
def test_pairwise_distance_graph_matches_torch(kwargs, s1, s2):
    # torch adds eps as a Scalar: AddBackward1 with the difference as its only edge
    e, t = _graphs(lambda lib: lib.nn.functional.pairwise_distance(*_leaves(lib, s1, s2), **kwargs))
    assert e == t
    e, t = _graphs(lambda lib: lib.nn.PairwiseDistance(**kwargs)(*_leaves(lib, s1, s2)))
    assert e == t


def _triplet(lib, swap):
    return lib.nn.TripletMarginLoss(p=1.0, swap=swap, reduction="none")(*_leaves(lib, (3, 4), (3, 4), (3, 4)))


def _distances(node):
    """The pairwise-distance subgraphs (NormBackward1 nodes) found anywhere under a graph from ``graph``."""
    if not isinstance(node, tuple):
        return []
    if node[0] == "NormBackward1":
        return [node]
    return [d for child, _ in node[1] if child is not None for d in _distances(child)]


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss_distance_graphs_match_torch(swap):
    e, t = _graphs(lambda lib: _triplet(lib, swap))
    assert _distances(e) == _distances(t) and len(_distances(t)) == (3 if swap else 2)


def test_triplet_margin_loss_graph_matches_torch():
    e, t = _graphs(lambda lib: _triplet(lib, False))
    assert e == t


def test_pairwise_distance_of_integers_is_default_float():
    for lib in (ember, torch):
        out = lib.nn.functional.pairwise_distance(lib.tensor([[1, 2]]), lib.tensor([[0, 0]]))
        assert out.dtype == lib.float32 and abs(out.item() - 5 ** 0.5) < 1e-5


def test_pairwise_distance_of_equal_points_is_eps_norm():
    x = randn(3, 4)
    out = check(lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b), x, x.copy())
    np.testing.assert_allclose(out[0].detach().numpy(), 2e-6, rtol=1e-6)
    assert out[0].grad_fn.name() == "NormBackward1"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs,shape", [({}, (4, 5)), (dict(p=1.0, dim=0), (4, 5)), (dict(dim=-1), (2, 3, 4)),
                                          (dict(p=float("inf")), (3, 4)), (dict(p=3.0, dim=2), (2, 3, 4)),
                                          (dict(dim=0), (6,))])
def test_normalize_matches_torch(kwargs, shape, dtype):
    out = check(lambda lib, x: lib.nn.functional.normalize(x, **kwargs), randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "DivBackward0"


def test_normalize_zero_rows_and_out():
    x = np.zeros((2, 3))
    x[0] = [3.0, 4.0, 0.0]
    check(lambda lib, t: lib.nn.functional.normalize(t, eps=1e-3), x)
    out = ember.empty(2, 3, dtype=ember.float64)
    r = ember.nn.functional.normalize(ember.tensor(x), out=out)
    assert r is out and np.allclose(out.numpy()[0], [0.6, 0.8, 0.0])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_pdist_matches_torch(p, n):
    out = check(lambda lib, x: lib.nn.functional.pdist(x, p), randn(n, 3) * 2)
    assert out[0].shape == (n * (n - 1) // 2,)


def test_pdist_grad_fn_and_errors():
    x = ember.tensor(randn(4, 3), requires_grad=True)
    assert ember.nn.functional.pdist(x).grad_fn.name() == "PdistBackward0"
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        ember.nn.functional.pdist(ember.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
        ember.nn.functional.pdist(ember.randn(3, 3), -1.0)


def test_reprs():
    for cls, kwargs in [("CosineSimilarity", {}), ("CosineSimilarity", dict(dim=0, eps=1e-6)),
                        ("PairwiseDistance", {}), ("PairwiseDistance", dict(p=1.0, keepdim=True))]:
        assert repr(getattr(ember.nn, cls)(**kwargs)) == repr(getattr(torch.nn, cls)(**kwargs))


def test_broadcast_errors():
    with pytest.raises(RuntimeError, match="The size of tensor a \\(3\\) must match the size of tensor b \\(4\\)"):
        ember.nn.functional.cosine_similarity(ember.randn(2, 3), ember.randn(2, 4))
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        ember.nn.functional.pairwise_distance(ember.randn(2, 3), ember.randn(2, 4))


def test_cosine_similarity_double_backward():
    results = []
    for lib in (ember, torch):
        a = lib.tensor(randn(3, 4), requires_grad=True)
        b = lib.tensor(randn(3, 4, seed=1), requires_grad=True)
        (ga,) = lib.autograd.grad(lib.nn.functional.cosine_similarity(a, b).pow(2).sum(), a, create_graph=True)
        results.append(lib.autograd.grad(ga.sum(), (a, b)))
    for e, t in zip(*results):
        assert_close(e, t)


def test_pairwise_distance_double_backward():
    results = []
    for lib in (ember, torch):
        a, b = _leaves(lib, (3, 4), (3, 4))
        (ga,) = lib.autograd.grad(lib.nn.functional.pairwise_distance(a, b).pow(2).sum(), a, create_graph=True)
        results.append(lib.autograd.grad((ga * ga).sum(), (a, b)))
    for e, t in zip(*results):
        assert_close(e, t)
