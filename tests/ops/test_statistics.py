"""Order statistics and NaN-aware reductions (``ember/ops/statistics.py``) against PyTorch: values, indices,
gradients, node names, float64 and float32, and PyTorch's errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_node_names, randn, same_error

A, B, V = randn(3, 4), randn(4, 5, seed=1), randn(7, seed=2)
CUBE = randn(2, 3, 4, seed=4)
NAN = randn(3, 5, seed=5)
NAN[0, 1] = NAN[0, 3] = NAN[2, 0] = np.nan
ALL_NAN = np.full((2, 3), np.nan)
Q = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]

CASES = {
    "median": (lambda lib, a: lib.median(a), A),
    "median_dim": (lambda lib, c: lib.median(c, 1), CUBE),
    "median_keepdim": (lambda lib, b: b.median(-1, keepdim=True), B),
    "median_nan": (lambda lib, x: (lib.median(x), *lib.median(x, 1), *x.median(0)), NAN),
    "nanmedian": (lambda lib, x: (lib.nanmedian(x), *lib.nanmedian(x, 1), *x.nanmedian(0, True)), NAN),
    "nanmedian_all_nan": (lambda lib, x: (lib.nanmedian(x), *lib.nanmedian(x, 1)), ALL_NAN),
    "median_0d": (lambda lib, a: (*lib.median(a[0, 0], 0),), A),
    "quantile_scalar": (lambda lib, a: [lib.quantile(a, 0.3, interpolation=i) for i in INTERPOLATIONS], A),
    "quantile_dim": (lambda lib, c, q: [lib.quantile(c, q, 1, interpolation=i) for i in INTERPOLATIONS], CUBE, Q),
    "quantile_keepdim": (lambda lib, c, q: [c.quantile(q, 0, True, interpolation=i) for i in INTERPOLATIONS] +
                         [lib.quantile(c, q, keepdim=True), lib.quantile(c, 0.7, -1, True)], CUBE, Q),
    "quantile_nan": (lambda lib, x: [lib.quantile(x, 0.4, 1), lib.quantile(x, 0.4)], NAN),
    "nanquantile": (lambda lib, x, q: [lib.nanquantile(x, q, 1, interpolation=i) for i in INTERPOLATIONS] +
                    [x.nanquantile(0.5)], NAN, Q),
    "nanquantile_all_nan": (lambda lib, x: lib.nanquantile(x, 0.5, 0), ALL_NAN),
    "nansum": (lambda lib, x: (lib.nansum(x), lib.nansum(x, 1), x.nansum((0, 1), keepdim=True)), NAN),
    "nanmean": (lambda lib, x: (lib.nanmean(x), lib.nanmean(x, 0), x.nanmean(1, keepdim=True)), NAN),
    "var_mean": (lambda lib, c: (*lib.var_mean(c), *lib.var_mean(c, 1), *lib.var_mean(c, (0, 2), keepdim=True),
                                 *lib.var_mean(c, 1, correction=0)), CUBE),
    "std_mean": (lambda lib, c: (*lib.std_mean(c), *lib.std_mean(c, [1], unbiased=False),
                                 *lib.std_mean(c, -1, keepdim=True)), CUBE),
    "var_mean_only_mean": (lambda lib, a: lib.var_mean(a, 0)[1], A),
    "std_mean_only_std": (lambda lib, a: lib.std_mean(a, 1)[0], A),
    "diff": (lambda lib, a: (lib.diff(a), lib.diff(a, 2, 0), a.diff(n=3)), A),
    "diff_prepend_append": (lambda lib, a, b: lib.diff(a, dim=1, prepend=b[:3, :2], append=b[:3]), A, B),
    "diff_large_n": (lambda lib, v: lib.diff(v, 9), V),
    "logcumsumexp": (lambda lib, c: (lib.logcumsumexp(c, 1), c.logcumsumexp(-1), lib.logcumsumexp(c, 0)), CUBE),
    "logcumsumexp_1d": (lambda lib, v: lib.logcumsumexp(v * 30, 0), V),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(name, dtype):
    fn, *inputs = CASES[name]
    check_node_names(fn, *inputs, dtype=dtype)


def test_median_ties_pick_torchs_index_and_share_the_gradient():
    data = np.array([[2.0, 2, 1, 2], [1, 1, 3, 3]])
    for dim in (0, 1):
        e, t = ember.median(ember.tensor(data), dim), torch.median(torch.tensor(data), dim)
        assert_close(e.values, t.values)
        assert_close(e.indices, t.indices)
    check(lambda lib, x: lib.median(x), data)
    check(lambda lib, x: lib.nanmedian(x), np.array([1.0, np.nan, 1.0, 0.0]))
    assert_close(ember.median(ember.tensor([5, 1, 4, 2])), torch.median(torch.tensor([5, 1, 4, 2])))
    assert repr(ember.median(ember.tensor([1.0, 2.0]), 0)).startswith("ember.return_types.median(\nvalues=")


def test_median_of_nothing_is_nan():
    assert_close(ember.median(ember.zeros(0)), torch.median(torch.zeros(0)))


def test_count_nonzero_matches_torch():
    x = np.array([[0, 1, 2], [0, 0, 3]])
    for args in [(), (0,), (1,), ((0, 1),), (-1,)]:
        assert_close(ember.count_nonzero(ember.tensor(x), *args), torch.count_nonzero(torch.tensor(x), *args))
    assert_close(ember.tensor(A).count_nonzero(), torch.tensor(A).count_nonzero())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_histc_and_histogram_match_torch(dtype):
    data, w = randn(50, seed=7).astype(dtype), np.abs(randn(50, seed=8)).astype(dtype)
    e, t = ember.tensor(data), torch.tensor(data)
    for kwargs in [{}, dict(bins=7), dict(bins=5, min=-1, max=1), dict(bins=3, min=2, max=2)]:
        assert_close(ember.histc(e, **kwargs), torch.histc(t, **kwargs))
    assert_close(e.histc(4), t.histc(4))
    assert_close(ember.histc(ember.ones(3, dtype=e.dtype)), torch.histc(torch.ones(3, dtype=t.dtype)))
    edges = np.array([-2.0, -0.5, 0.0, 1.0, 3.0], dtype)
    for args, kwargs in [((6,), {}), ((4,), dict(range=(-1.0, 1.0))), ((5,), dict(density=True)),
                         (("edges", edges), {}), (("edges", edges), dict(weight=w, density=True)),
                         ((3,), dict(weight=w))]:
        def call(lib, args=args, kwargs=kwargs):
            bins = lib.tensor(args[1]) if len(args) == 2 else args[0]
            kw = dict(kwargs, weight=lib.tensor(w)) if "weight" in kwargs else kwargs
            return lib.histogram(e if lib is ember else t, bins, **kw)
        (eh, ee), (th, te) = call(ember), call(torch)
        assert_close(eh, th)
        assert_close(ee, te)
    assert type(ember.histogram(e, 2)).__name__ == "histogram"
    assert ember.histogram(e, 2).bin_edges.shape == (3,)


def test_histc_has_no_gradient():
    h = ember.histc(ember.randn(5, requires_grad=True), 3)
    assert not h.requires_grad and h.grad_fn is None
    same_error(lambda lib: lib.histc(lib.ones(5, requires_grad=True), 3).sum().backward())


def test_bincount_matches_torch():
    x = np.array([1, 4, 4, 0, 7])
    for weights in [None, np.array([0.5, 1.0, 2.0, 3.0, 1.5], np.float32), np.array([1.0, 2, 3, 4, 5]),
                    np.array([1, 2, 3, 4, 5])]:
        for minlength in (0, 10):
            ew = None if weights is None else ember.tensor(weights)
            tw = None if weights is None else torch.tensor(weights)
            assert_close(ember.bincount(ember.tensor(x), ew, minlength),
                         torch.bincount(torch.tensor(x), tw, minlength))
    assert_close(ember.tensor(x).bincount(), torch.tensor(x).bincount())
    assert_close(ember.bincount(ember.tensor([], dtype=ember.int64), minlength=3),
                 torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3))


def test_diff_of_bool_and_ints_matches_torch():
    for x in (np.array([True, False, False, True]), np.array([[1, 5, 2], [3, 3, 9]])):
        assert_close(ember.diff(ember.tensor(x)), torch.diff(torch.tensor(x)))
    assert_close(ember.diff(ember.tensor(A), 0), torch.diff(torch.tensor(A), 0))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.quantile(lib.zeros(3), 1.5),
    lambda lib: lib.quantile(lib.zeros(3), -0.5),
    lambda lib: lib.quantile(lib.zeros(3), lib.tensor([[0.5]])),
    lambda lib: lib.quantile(lib.zeros(3), lib.tensor([0.5, 2.0])),
    lambda lib: lib.quantile(lib.zeros(3), 0.5, interpolation="foo"),
    lambda lib: lib.quantile(lib.zeros(3, dtype=lib.int64), 0.5),
    lambda lib: lib.quantile(lib.zeros(3), lib.tensor([0.5], dtype=lib.float64)),
    lambda lib: lib.quantile(lib.zeros(0), 0.5),
    lambda lib: lib.median(lib.zeros(2, 0), 1),
    lambda lib: lib.nanmedian(lib.zeros(2, 0), -1),
    lambda lib: lib.histc(lib.zeros(3, dtype=lib.int64)),
    lambda lib: lib.histc(lib.zeros(3), bins=0),
    lambda lib: lib.histc(lib.zeros(3), min=3, max=2),
    lambda lib: lib.histogram(lib.zeros(3, dtype=lib.int32), 3),
    lambda lib: lib.bincount(lib.tensor([-1, 2])),
    lambda lib: lib.bincount(lib.zeros(2, 2, dtype=lib.int64)),
    lambda lib: lib.bincount(lib.zeros(2)),
    lambda lib: lib.bincount(lib.tensor([1, 2]), minlength=-1),
    lambda lib: lib.bincount(lib.tensor([1, 2]), lib.ones(3)),
    lambda lib: lib.diff(lib.tensor(1.0)),
    lambda lib: lib.diff(lib.zeros(3), n=-1),
    lambda lib: lib.diff(lib.zeros(3), prepend=lib.zeros(2, 2)),
    lambda lib: lib.nanmean(lib.zeros(3, dtype=lib.int64)),
    lambda lib: lib.var_mean(lib.zeros(3, dtype=lib.int64)),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
