"""Fractional max pooling, conv_tbc and cdist against PyTorch: values, indices and gradients; fractional pooling
with given samples and with the samples PyTorch draws itself after manual_seed (ember draws the same)."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_node_names, randn, same_error


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k, shape, kernel, out", [(2, (2, 3, 9, 8), (3, 2), (4, 5)), (2, (3, 10, 9), (2, 3), (5, 3)),
                                                   (3, (1, 2, 6, 7, 8), (2, 3, 2), (3, 4, 5)),
                                                   (3, (2, 9, 8, 7), 2, (4, 3, 5))])
def test_fractional_max_pool_with_samples(k, shape, kernel, out, dtype):
    planes = shape[1] if len(shape) == k + 2 else shape[0]
    batch = shape[0] if len(shape) == k + 2 else 1
    samples = np.random.default_rng(1).uniform(0, 1, (batch, planes, k)).astype(dtype)
    name = f"fractional_max_pool{k}d"
    check(lambda lib, x: getattr(lib.nn.functional, name)(x, kernel, output_size=out, return_indices=True,
                                                             _random_samples=lib.tensor(samples)),
          randn(*shape, dtype=dtype))


def test_fractional_max_pool_draws_pytorchs_samples():
    x = randn(2, 3, 11, 10)
    outs = []
    for lib in (ember, torch):
        lib.manual_seed(5)
        pool = lib.nn.FractionalMaxPool2d((3, 2), output_ratio=(0.5, 0.6), return_indices=True)
        outs.append(pool(lib.tensor(x)))
    assert_close(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])
    assert repr(ember.nn.FractionalMaxPool3d(2, output_size=3)) == repr(torch.nn.FractionalMaxPool3d(2, output_size=3))


def test_fractional_max_pool_errors():
    same_error(lambda lib: lib.nn.FractionalMaxPool2d(3), "requires specifying either an output size")
    same_error(lambda lib: lib.nn.FractionalMaxPool2d(3, output_ratio=1.5), "output_ratio must be between 0 and 1")
    same_error(lambda lib: lib.nn.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5), "only one of")


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_tbc(pad):
    check(lambda lib, x, w, b: lib.conv_tbc(x, w, b, pad), randn(6, 2, 3), randn(3, 3, 4, seed=1), randn(4, seed=2))
    same_error(lambda lib: lib.conv_tbc(lib.ones(5, 2, 3), lib.ones(3, 2, 4), lib.ones(4)), "input channels")


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf"), 0.0, 0.5])
def test_cdist(p):
    a, b = randn(2, 4, 3), randn(2, 5, 3, seed=1)
    b[0, 0] = a[0, 0]  # a zero distance: PyTorch's gradient there is 0
    check(lambda lib, x, y: lib.cdist(x, y, p), a, b)
    check(lambda lib, x, y: lib.cdist(x, y, p), randn(6, 2), randn(3, 2, seed=3))
    check(lambda lib, x, y: lib.cdist(x, y, p), randn(2, 1, 6, 3), randn(3, 4, 3, seed=4))  # broadcast batches


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
def test_cdist_euclidean_by_matrix_products(mode):
    # more than 25 rows: PyTorch's matrix-product form (ViewBackward0 over _euclidean_dist) unless told otherwise
    a, b = randn(2, 30, 4), randn(1, 7, 4, seed=1)
    check_node_names(lambda lib, x, y: lib.cdist(x, y, compute_mode=mode), a, b)
    # a zero distance: its rounding residue depends on the product's order, but its gradient is zero, not NaN
    x = ember.tensor(a, requires_grad=True)
    ember.cdist(x, ember.tensor(a[:, :2]), compute_mode=mode).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    assert ember.cdist(ember.ones(3, 2, requires_grad=True), ember.ones(4, 2), p=1).grad_fn.name() == "CdistBackward0"
