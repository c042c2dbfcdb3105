"""``tensordot`` and the fused add-product ops (``ember/ops/contractions.py``) against PyTorch: values, gradients,
node names, in-place variants and errors."""
import numpy as np
import pytest

from oracle import check, check_node_names, randn, same_error

A, B, C = randn(3, 4), randn(4, 5, seed=1), randn(2, 3, 4, seed=2)
X, Y = randn(2, 3, 4, seed=3), randn(2, 4, 5, seed=4)
M, V3, V4 = randn(3, 5, seed=5), randn(3, seed=6), randn(4, seed=7)

CASES = {
    "tensordot_int": (lambda lib, a, b: lib.tensordot(a, b, 1), A, B),
    "tensordot_zero": (lambda lib, a, b: lib.tensordot(a, b, 0), A, B),
    "tensordot_two": (lambda lib, c, a: lib.tensordot(c, a, 2), C, A),
    "tensordot_lists": (lambda lib, c, b: lib.tensordot(c, b, dims=([2, 1], [0, 1])), C, randn(4, 3, 2, seed=8)),
    "tensordot_pair_ints": (lambda lib, a, c: lib.tensordot(a, c, ([0], [1])), A, C),
    "tensordot_tensor": (lambda lib, a, b: lib.tensordot(a, b, dims=lib.tensor(1)), A, B),
    "addmv": (lambda lib, v, a, w: lib.addmv(v, a, w), V3, A, V4),
    "addmv_scaled": (lambda lib, v, a, w: lib.addmv(v[:1], a, w, beta=0.5, alpha=-2), V3, A, V4),
    "addmv_method": (lambda lib, v, a, w: v.addmv(a, w, alpha=3), V3, A, V4),
    "addr": (lambda lib, a, v, w: lib.addr(a, v, w), A, V3, V4),
    "addr_scaled": (lambda lib, a, v, w: a.addr(v, w, beta=2, alpha=0.5), A, V3, V4),
    "addr_broadcast": (lambda lib, a, v, w: lib.addr(a[0], v, w, beta=0.3), A, V3, V4),
    "baddbmm": (lambda lib, m, x, y: lib.baddbmm(m, x, y), M, X, Y),
    "baddbmm_scaled": (lambda lib, m, x, y: lib.baddbmm(m, x, y, beta=0.5, alpha=1.5), M, X, Y),
    "baddbmm_beta0": (lambda lib, m, x, y: (m * float("nan")).baddbmm(x, y, beta=0), M, X, Y),
    "addbmm": (lambda lib, m, x, y: lib.addbmm(m, x, y), M, X, Y),
    "addbmm_scaled": (lambda lib, m, x, y: m.addbmm(x, y, beta=-1, alpha=0.25), M, X, Y),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(name, dtype):
    fn, *inputs = CASES[name]
    check_node_names(fn, *inputs, dtype=dtype)


@pytest.mark.parametrize("name", ["addmv", "addr", "baddbmm", "addbmm"])
def test_inplace_variants_match_torch(name):
    args = {"addmv": (V3, A, V4), "addr": (A, V3, V4), "baddbmm": (randn(2, 3, 5), X, Y), "addbmm": (M, X, Y)}[name]

    def fn(lib, target, *rest):
        out = target.clone()
        getattr(out, name + "_")(*rest, beta=0.5, alpha=2.0)
        return out

    check_node_names(fn, *args)


def test_integer_inputs_match_torch():
    a, v, w = np.arange(12).reshape(3, 4), np.arange(3), np.arange(4)
    check(lambda lib, a, v, w: (lib.addr(a, v, w, alpha=2), lib.addmv(v, a, w, beta=3)), a, v, w)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(4, 5), ([1], [0, 1])),
    lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(4, 5), -1),
    lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(4, 5), 3),
    lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(4, 5), ([0], [0])),
    lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(4, 5, dtype=lib.int64), 1),
    lambda lib: lib.addmv(lib.zeros(3), lib.zeros(3, 4), lib.zeros(3)),
    lambda lib: lib.addmv(lib.zeros(3), lib.zeros(3, 4), lib.zeros(4, 1)),
    lambda lib: lib.addmv(lib.zeros(2), lib.zeros(3, 4), lib.zeros(4)),
    lambda lib: lib.addr(lib.zeros(3, 4), lib.zeros(3), lib.zeros(4, 1)),
    lambda lib: lib.addr(lib.zeros(2), lib.zeros(3), lib.zeros(4)),
    lambda lib: lib.addr(lib.tensor([1, 2]), lib.tensor([1, 2]), lib.tensor([1, 2]), beta=0.5),
    lambda lib: lib.baddbmm(lib.zeros(3, 5), lib.zeros(2, 3, 4), lib.zeros(2, 3, 5)),
    lambda lib: lib.baddbmm(lib.zeros(2, 5), lib.zeros(2, 3, 4), lib.zeros(2, 4, 5)),
    lambda lib: lib.addbmm(lib.zeros(3, 5), lib.zeros(2, 3, 4), lib.zeros(1, 4, 5)),
    lambda lib: lib.addbmm(lib.zeros(2, 5), lib.zeros(2, 3, 4), lib.zeros(2, 4, 5)),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)
