"""The second round of PyTorch names real programs use, each against PyTorch: values and gradients (float64 and
float32, several shapes), integer paths, named results, in-place variants, Tensor-only queries and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn, same_error

FLOATS = [np.float64, np.float32]
SHAPES = [(5,), (3, 4), (2, 3, 4)]


def _unit(shape, dtype, seed=0, low=0.05, high=0.95):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


UNARY = {
    "asinh": lambda x: x, "acosh": lambda x: 1.5 + x * x, "atanh": lambda x: np.tanh(x) * 0.9,
    "erfc": lambda x: x * 2, "deg2rad": lambda x: x * 90, "rad2deg": lambda x: x, "sgn": lambda x: x,
    "fix": lambda x: x * 3, "signbit": lambda x: x, "isreal": lambda x: x, "positive": lambda x: x,
    "arccosh": lambda x: 1.5 + x * x, "arcsinh": lambda x: x, "arctanh": lambda x: np.tanh(x) * 0.9,
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary(name, shape, dtype):
    x = UNARY[name](randn(*shape, dtype=dtype)).astype(dtype)
    grad = name != "sgn"  # PyTorch's gradient of sgn is a ZeroTensor, which has no NumPy form to compare
    check(lambda lib, a: getattr(lib, name)(a), x, grad=grad)
    check(lambda lib, a: getattr(a, name)(), x, grad=grad)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit(dtype, eps):
    check(lambda lib, a: lib.logit(a, eps), _unit((3, 5), dtype, low=0.01, high=0.99))


def test_infinity_predicates():
    x = np.array([1.0, -np.inf, np.inf, np.nan, -0.0])
    for name in ("isneginf", "isposinf", "signbit"):
        check(lambda lib, a: getattr(lib, name)(a), x, grad=False)


BINARY = {
    "fmod": lambda a, b: (a * 5, b + np.sign(b) * 0.5), "copysign": lambda a, b: (a, b),
    "fmax": lambda a, b: (a, b), "fmin": lambda a, b: (a, b), "ldexp": lambda a, b: (a, np.round(b * 3)),
    "float_power": lambda a, b: (np.abs(a) + 0.1, b),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4))])
@pytest.mark.parametrize("name", BINARY)
def test_binary(name, shapes, dtype):
    a, b = BINARY[name](randn(*shapes[0], dtype=dtype, seed=1), randn(*shapes[1], dtype=dtype, seed=2))
    check(lambda lib, x, y: getattr(lib, name)(x, y), a.astype(dtype), b.astype(dtype))


def test_fmax_fmin_with_nans_and_ties():
    a = np.array([1.0, np.nan, 2.0, np.nan, 3.0])
    b = np.array([np.nan, 1.0, 2.0, np.nan, -1.0])
    for name in ("fmax", "fmin"):
        check(lambda lib, x, y: getattr(lib, name)(x, y), a, b)


def test_fmod_keeps_integers_and_takes_numbers():
    a = np.array([7, -7, 5], dtype=np.int64)
    check(lambda lib, x: lib.fmod(x, 3), a, grad=False)
    check(lambda lib, x: lib.fmod(x, lib.tensor([2, 3, -2])), a, grad=False)
    check(lambda lib, x: lib.fmod(x, 1.5), randn(4), grad=True)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm(name):
    a, b = np.array([12, -18, 0, 7]), np.array([8, 12, 5, 0])
    check(lambda lib, x, y: getattr(lib, name)(x, y), a, b, grad=False)
    same_error(lambda lib: getattr(lib, name)(lib.ones(2), lib.ones(2)), "not implemented for")


def test_nextafter_and_heaviside():
    a, b = randn(6, seed=3), randn(6, seed=4)
    check(lambda lib, x, y: lib.nextafter(x, y), a, b, grad=False)
    check(lambda lib, x, y: lib.heaviside(x, y), np.array([-1.0, 0.0, 2.0]), np.array([5.0, 0.5, 7.0]), grad=False)


@pytest.mark.parametrize("dtype", FLOATS)
def test_renorm_and_mvlgamma(dtype):
    x = randn(4, 3, dtype=dtype) * 3
    for p, dim, maxnorm in [(2, 0, 2.0), (1, 1, 3.0), (3, 0, 100.0)]:
        check(lambda lib, a: lib.renorm(a, p, dim, maxnorm), x)
    check(lambda lib, a: lib.mvlgamma(a, 3), _unit((2, 3), dtype, low=1.5, high=4.0))
    same_error(lambda lib: lib.renorm(lib.ones(3), 2, 0, 1.0), "at least 2 dimensions")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, dim", [((6,), 0), ((4, 5), 1), ((3, 4, 5), 0), ((3, 4, 5), -2)])
def test_kthvalue_and_mode(shape, dim, dtype):
    distinct = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape).astype(dtype)
    for keepdim in (False, True):
        check(lambda lib, a: lib.kthvalue(a, 2, dim, keepdim), distinct)
        check(lambda lib, a: a.kthvalue(1, dim=dim, keepdim=keepdim), distinct)
    repeats = np.random.default_rng(1).integers(0, 3, shape).astype(dtype)
    check(lambda lib, a: lib.mode(a, dim), repeats)
    check(lambda lib, a: a.mode(dim, keepdim=True), repeats)
    same_error(lambda lib: lib.kthvalue(lib.ones(3), 4), "out of range")


def test_named_results_print_as_pytorchs():
    x = np.array([[3.0, 1.0], [2.0, 5.0]])
    for fn in (lambda lib, a: lib.kthvalue(a, 1), lambda lib, a: lib.mode(a), lambda lib, a: lib.aminmax(a, dim=0)):
        assert repr(fn(ember, ember.tensor(x))).replace("ember", "torch") == repr(fn(torch, torch.tensor(x)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_reductions(dtype):
    x, y = randn(3, 4, dtype=dtype, seed=5), randn(3, 4, dtype=dtype, seed=6)
    check(lambda lib, a: lib.aminmax(a), x)
    check(lambda lib, a: lib.aminmax(a, dim=1, keepdim=True), x)
    for p in (2, 1, 3.5, float("inf")):
        check(lambda lib, a, b: lib.dist(a, b, p), x, y)
    check(lambda lib, a: lib.msort(a), x)
    same_error(lambda lib: lib.aminmax(lib.zeros(0)), "cannot compute aminmax")


@pytest.mark.parametrize("dtype", FLOATS)
def test_products(dtype):
    check(lambda lib, a, b: lib.inner(a, b), randn(2, 3, dtype=dtype), randn(4, 3, dtype=dtype, seed=1))
    check(lambda lib, a, b: lib.inner(a, b), randn(3, dtype=dtype), randn(3, dtype=dtype, seed=1))
    check(lambda lib, a, b: lib.vdot(a, b), randn(3, dtype=dtype), randn(3, dtype=dtype, seed=1))
    check(lambda lib, a, b: lib.ger(a, b), randn(3, dtype=dtype), randn(2, dtype=dtype, seed=1))
    same_error(lambda lib: lib.vdot(lib.ones(2, 2), lib.ones(2, 2)), "1D tensors expected")


@pytest.mark.parametrize("dtype", FLOATS)
def test_cov_and_corrcoef(dtype):
    x = randn(3, 6, dtype=dtype)
    check(lambda lib, a: lib.cov(a), x)
    check(lambda lib, a: lib.cov(a, correction=0), x)
    check(lambda lib, a: lib.cov(a[0]), x)
    fw, aw = np.array([1, 2, 1, 3, 1, 1]), _unit((6,), dtype)
    check(lambda lib, a, w: lib.cov(a, fweights=lib.tensor(fw), aweights=w), x, aw)
    check(lambda lib, a: lib.corrcoef(a), x)


@pytest.mark.parametrize("dtype", FLOATS)
def test_shape_functions(dtype):
    x = randn(2, 3, 4, dtype=dtype)
    check(lambda lib, a: lib.movedim(a, 0, -1), x)
    check(lambda lib, a: lib.moveaxis(a, (0, 1), (2, 0)), x)
    check(lambda lib, a: lib.swapdims(a, 0, 2), x)
    check(lambda lib, a: lib.adjoint(a), x)
    check(lambda lib, a: a.mH, x)
    check(lambda lib, a: a[0].H, x)
    check(lambda lib, a: lib.ravel(a), x, noncontiguous=True)
    check(lambda lib, a: a.unfold(2, 2, 1), x)
    check(lambda lib, a: a.unfold(1, 2, 2), x)
    check(lambda lib, a: a.sum_to_size(1, 3, 1), x)
    check(lambda lib, a: lib.split_with_sizes(a, [1, 3], 2), x)
    check(lambda lib, a: lib.diagflat(a[0, 0], 1), x)
    check(lambda lib, a: lib.argwhere(a > 0), x, grad=False)
    same_error(lambda lib: lib.ones(3).unfold(0, 4, 1), "maximum size")
    same_error(lambda lib: lib.ones(2, 3).sum_to_size(4), "is not expandable")


@pytest.mark.parametrize("dtype", FLOATS)
def test_scatter_writes(dtype):
    x = randn(4, 5, dtype=dtype)
    check(lambda lib, a, s: lib.select_scatter(a, s, 1, 2), x, randn(4, dtype=dtype, seed=1))
    check(lambda lib, a, s: lib.slice_scatter(a, s, 1, 1, 5, 2), x, randn(4, 2, dtype=dtype, seed=1))
    check(lambda lib, a, s: lib.diagonal_scatter(a, s, 1), x, randn(4, dtype=dtype, seed=1))
    idx = (np.array([0, 1, 0]), np.array([2, 2, 2]))
    check(lambda lib, a, v: lib.index_put(a, tuple(lib.tensor(i) for i in idx), v, accumulate=True), x,
          randn(3, dtype=dtype, seed=2))
    check(lambda lib, a, v: a.index_put((lib.tensor([3, 1]),), v), x, randn(2, 5, dtype=dtype, seed=3))
    check(lambda lib, a, v: a.put(lib.tensor([0, 7, 7, -1]), v, accumulate=True), x, randn(4, dtype=dtype, seed=4))


def test_in_place_variants():
    x = randn(3, 4)
    for call in (lambda t: t.acosh_() if False else t.asinh_(), lambda t: t.deg2rad_(), lambda t: t.erfc_(),
                 lambda t: t.fix_(), lambda t: t.sgn_(), lambda t: t.eq_(0.5), lambda t: t.gt_(0.0),
                 lambda t: t.logical_not_(), lambda t: t.cumsum_(1), lambda t: t.arccos_(),
                 lambda t: t.subtract_(1.5), lambda t: t.multiply_(2.0), lambda t: t.divide_(3.0),
                 lambda t: t.fmod_(0.7), lambda t: t.copysign_(-1.0), lambda t: t.renorm_(2, 0, 1.0),
                 lambda t: t.fill_diagonal_(7.0), lambda t: t.index_put_((t.new_tensor([0, 2]).long(),),
                                                                          t.new_tensor([1.0]), accumulate=True),
                 lambda t: t.put_(t.new_tensor([1, 5]).long(), t.new_tensor([9.0, 8.0]))):
        e, t = ember.tensor(x), torch.tensor(x)
        assert call(e) is e and call(t) is t
        assert_close(e, t)


def test_float_power_in_place_needs_double():
    same_error(lambda lib: lib.ones(2).float_power_(2), "float_power_ has dtype Float")
    assert_close(ember.ones(2, dtype=ember.float64).float_power_(3.0), torch.ones(2, dtype=torch.float64) ** 3.0)


QUERIES = [
    "x.is_conj()", "x.is_neg()", "x.is_inference()", "x.is_signed()", "lib.tensor([1], dtype=lib.uint8).is_signed()",
    "x.is_same_size(lib.zeros(3, 4))", "x.is_same_size(lib.zeros(4, 3))", "lib.tensor([2.0]).is_nonzero()",
    "x.is_nonzero()", "lib.zeros(0).is_nonzero()", "x[1:].storage_offset()", "x.t().storage_offset()",
    "x.t().dim_order()", "x.dim_order()", "str(x.layout)", "x.name", "x.output_nr", "x.is_ipu", "x.is_xla",
    "x.is_distributed()", "x.is_shared()", "x.share_memory_() is x", "x.resolve_neg() is x", "x.is_set_to(x)",
    "x.is_set_to(x.clone())", "x.cdouble().dtype", "x.cfloat().dtype", "str(lib.strided)",
    "x.clone().resize_(2, 2).shape", "x.clone().resize_as_(lib.zeros(12)).shape", "x.H.shape",
    "x.new_empty_strided((2, 2), (2, 1)).shape", "x.clone().apply_(lambda v: v * 2).sum().item()",
    "x.clone().map_(lib.ones(4), lambda a, b: a + b).sum().item()",
    "x.clone().map_(lib.ones(4, dtype=lib.float64), lambda a, b: a + b).sum().item()", "x.polygamma(1).shape",
    "lib.float_power(x, 2).dtype", "x.bernoulli().shape", "x.abs().softmax(1).multinomial(2).shape",
]


@pytest.mark.parametrize("expr", QUERIES)
def test_tensor_queries(expr):
    def run(lib):
        x = lib.tensor(np.arange(12.0).reshape(3, 4) / 12)
        try:
            value = eval(expr, {"lib": lib, "x": x})
        except Exception as e:
            return type(e).__name__, str(e).replace("torch", "ember")
        return str(value).replace("torch", "ember")

    assert run(ember) == run(torch)
