"""The compiled product for few rows and wide outputs (``csrc/matmul.c``, used by the LSTM's time loops) against
NumPy's: row counts on both sides of a register tile and of a band of rows, widths that are not whole vectors (the
padded last block), a transposed left side, a bias, and both one and several threads."""
import numpy as np
import pytest

from ember.ops.kernels import gemm, native
from ember.ops.kernels.threads import set_num_threads, get_num_threads

pytestmark = pytest.mark.skipif(not native.available(), reason="the compiled library is not built")


@pytest.mark.parametrize("m, k, n", [(4, 3, 5), (13, 200, 800), (14, 17, 33), (15, 64, 16), (20, 800, 200),
                                     (127, 40, 31), (300, 21, 72)])
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_wide_product_matches_numpy(m, k, n, transposed, with_bias, threads):
    rng = np.random.default_rng(m * k + n)
    x = rng.standard_normal((k, m) if transposed else (m, k)).astype(np.float32)
    x = x.T if transposed else x
    w = rng.standard_normal((k, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32) if with_bias else None
    buffer = np.full((m, n + 3), np.nan, dtype=np.float32)
    out = buffer[:, :n]  # rows with a stride wider than n: the columns after n stay untouched
    before = get_num_threads()
    set_num_threads(threads)
    try:
        assert gemm.compiled_product(x, w)
        gemm.wide_product(x, gemm.padded_columns(w), out, None if bias is None else gemm.padded_columns(bias))
    finally:
        set_num_threads(before)
    expected = x.astype(np.float64) @ w + (0 if bias is None else bias)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5 * np.sqrt(k))
    assert np.isnan(buffer[:, n:]).all()


def test_padded_columns_pads_with_zeros_and_keeps_whole_vectors():
    vector = native.lib.ember_vector_length()
    w = np.arange(3 * (vector + 1), dtype=np.float32).reshape(3, vector + 1)
    padded = gemm.padded_columns(w)
    assert padded.shape == (3, 2 * vector) and (padded[:, :vector + 1] == w).all() and not padded[:, vector + 1:].any()
    whole = np.ones((2, vector), dtype=np.float32)
    assert gemm.padded_columns(whole) is whole


@pytest.mark.parametrize("view", ["transposed", "flipped", "strided"])
@pytest.mark.parametrize("k, n", [(784, 512), (512, 10), (3, 17), (40, 64)])
def test_padded_columns_of_views(view, k, n):
    """A Linear's ``w.T`` and other views are packed on the pool: the same values, zeros in the padding lanes."""
    rng = np.random.default_rng(k + n)
    if view == "transposed":
        w = rng.standard_normal((n, k)).astype(np.float32).T
    elif view == "flipped":
        w = rng.standard_normal((k, n)).astype(np.float32)[::-1, ::-1]
    else:
        w = rng.standard_normal((2 * k, 3 * n)).astype(np.float32)[::2, ::3]
    padded = gemm.padded_columns(w)
    assert padded.flags.c_contiguous and padded.shape[1] % native.lib.ember_vector_length() == 0
    assert np.array_equal(padded[:, :n], w) and not padded[:, n:].any()


def test_few_rows_or_other_dtypes_are_left_to_numpy():
    w = np.ones((3, 8), dtype=np.float32)
    assert not gemm.compiled_product(np.ones((3, 3), dtype=np.float32), w)
    assert not gemm.compiled_product(np.ones((8, 3)), w.astype(np.float64))
