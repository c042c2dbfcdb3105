"""F.affine_grid and F.grid_sample against PyTorch: 2-D and 3-D, every mode ember has, every padding mode, both
align_corners, positions inside and outside the input; values and the gradients of input, grid and theta."""
import numpy as np
import pytest
import torch

import ember
from oracle import check, same_error

FLOATS = [np.float64, np.float32]


def _case(k: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    spatial, out = ((4, 5), (3, 4)) if k == 2 else ((3, 4, 5), (2, 3, 2))
    x = rng.standard_normal((2, 3) + spatial).astype(dtype)
    grid = rng.uniform(-1.3, 1.3, (2,) + out + (k,)).astype(dtype)
    return x, grid


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("k", [2, 3])
def test_grid_sample(k, mode, padding, align, dtype):
    x, grid = _case(k, dtype)
    check(lambda lib, a, g: lib.nn.functional.grid_sample(a, g, mode, padding, align), x, grid)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 4, 5, 6)])
def test_affine_grid(size, align, dtype):
    k = len(size) - 2
    theta = np.random.default_rng(1).standard_normal((2, k, k + 1)).astype(dtype)
    check(lambda lib, t: lib.nn.functional.affine_grid(t, size, align_corners=align), theta)


def test_spatial_transformer_chain():
    """The spatial-transformer tutorial's pair: a grid from theta, then sampling, differentiated end to end."""
    x, _ = _case(2, np.float64)
    theta = np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]] * 2)
    check(lambda lib, a, t: lib.nn.functional.grid_sample(
        a, lib.nn.functional.affine_grid(t, a.shape, align_corners=False), align_corners=False), x, theta)


def test_default_align_corners_warns_as_pytorch():
    x, grid = _case(2, np.float32)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        ember.nn.functional.grid_sample(ember.tensor(x), ember.tensor(grid))
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        ember.nn.functional.affine_grid(ember.zeros(1, 2, 3), (1, 1, 2, 2))


def test_bad_arguments():
    same_error(lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), mode="x",
                                                         align_corners=False), "expected mode")
    same_error(lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 3),
                                                         align_corners=False), "grid_sampler")
    same_error(lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 2), (1, 1, 2, 2), align_corners=False),
               "Expected a batch of 2D affine matrices")
