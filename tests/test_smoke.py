import numpy as np
import pytest

from oracle import check, randn


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_mul_add_broadcast(dtype, noncontiguous):
    check(lambda m, a, b: (a * b + b).exp(), randn(3, 4, dtype=dtype), randn(4, dtype=dtype, seed=1),
          noncontiguous=noncontiguous)


def test_matmul_sum():
    check(lambda m, a, b: (a @ b).sum(1), randn(2, 3, 4), randn(4, 5, seed=1))
