"""Every random function's exact bits against PyTorch's, for several seeds, sizes on both sides of PyTorch's
algorithm switches (16 for normal_, 2**28 for random_'s 64-bit words), float32/float64/integer dtypes and
non-contiguous outputs (filled in memory order, as PyTorch's TensorIterator does)."""
import pytest

import ember
from tests.random._same import both

SEEDS = [0, 7, 2024]
SIZES = [1, 2, 15, 16, 17, 31, 100, 1000]
FLOATS = ["float32", "float64"]


def _dt(lib, name):
    return getattr(lib, name)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_randn(seed, n, dtype):
    both(lambda m: m.rand(n, dtype=_dt(m, dtype)), seed, f"rand({n})")
    both(lambda m: m.randn(n, dtype=_dt(m, dtype)), seed, f"randn({n})")
    # an odd scalar-path draw leaves a cached normal that the next one uses
    both(lambda m: m.cat([m.randn(3, dtype=_dt(m, dtype)), m.randn(n, dtype=_dt(m, dtype))]), seed, "cached normal")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bounds", [(0, 10), (-5, 5), (0, 2 ** 28 - 1), (0, 2 ** 28), (-2 ** 40, 2 ** 40),
                                    (3, 2 ** 62)])
def test_randint(seed, bounds):
    lo, hi = bounds
    both(lambda m: m.randint(lo, hi, (50,)), seed, f"randint{bounds}")
    both(lambda m: m.randint(lo, hi, (7, 3), dtype=m.float64), seed, f"randint{bounds} float64")


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_forms_and_dtypes(seed):
    both(lambda m: m.randint(10, (3, 4)), seed, "randint(high, size)")
    both(lambda m: m.randint(0, 2 ** 27, (20,), dtype=m.float32), seed, "float32 bounds moved inward")
    both(lambda m: m.randint(-3, 3, (20,), dtype=m.int32), seed, "int32")
    both(lambda m: m.randint_like(m.zeros(4, 5), 3, 9), seed, "randint_like")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000, 60000])
def test_randperm(seed, n):
    both(lambda m: m.randperm(n), seed, f"randperm({n})")


def test_randperm_dtype_and_generator():
    both(lambda m: m.randperm(20, dtype=m.int32), 1, "int32")
    both(lambda m: m.randperm(20, generator=m.Generator().manual_seed(9)), 1, "own generator")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_overloads(seed, dtype):
    def t(m, shape=(4, 5)):
        return m.arange(20, dtype=_dt(m, dtype)).reshape(shape) / 7

    both(lambda m: m.normal(t(m), t(m) + 1), seed, "normal(Tensor, Tensor)")
    both(lambda m: m.normal(t(m), 2.5), seed, "normal(Tensor, float)")
    both(lambda m: m.normal(-1.5, t(m) + 1), seed, "normal(float, Tensor)")
    both(lambda m: m.normal(0.5, 3.0, (6, 7), dtype=_dt(m, dtype)), seed, "normal(float, float, size)")
    both(lambda m: m.normal(m.zeros(3, dtype=_dt(m, dtype)), 2.0), seed, "small normal(Tensor, float)")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_bernoulli(seed, dtype):
    both(lambda m: m.bernoulli(m.rand(6, 7, dtype=_dt(m, dtype))), seed, "bernoulli(probs)")
    both(lambda m: m.bernoulli(m.rand(6, 7, dtype=_dt(m, dtype)), p=0.3), seed, "bernoulli(input, p)")
    both(lambda m: m.zeros(40, dtype=_dt(m, dtype)).bernoulli_(m.rand(40)), seed, "bernoulli_(Tensor)")


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial(seed):
    def probs(m):
        return m.tensor([[0.1, 0.2, 0.7, 0.0, 0.3], [1.0, 1, 1, 1, 1], [0, 0, 5, 1, 0]])

    both(lambda m: m.multinomial(probs(m), 1), seed, "one sample")
    both(lambda m: m.multinomial(probs(m), 1, True), seed, "one sample, replacement")
    both(lambda m: m.multinomial(probs(m), 2), seed, "without replacement")
    both(lambda m: m.multinomial(probs(m), 70, True), seed, "with replacement")
    both(lambda m: m.multinomial(m.rand(50, dtype=m.float64), 20, True), seed, "1-D float64")
    both(lambda m: m.multinomial(m.rand(50), 20), seed, "1-D without replacement")


def _views():
    return [("contiguous", lambda t: t), ("transposed", lambda t: t.t()), ("strided", lambda t: t[:, ::2]),
            ("sliced transpose", lambda t: t.t()[1:])]


INPLACE = [
    ("uniform_", lambda t: t.uniform_(-2, 3)),
    ("normal_", lambda t: t.normal_(0.5, 2)),
    ("bernoulli_", lambda t: t.bernoulli_(0.3)),
    ("exponential_", lambda t: t.exponential_(2.5)),
    ("geometric_", lambda t: t.geometric_(0.3)),
    ("log_normal_", lambda t: t.log_normal_()),
    ("cauchy_", lambda t: t.cauchy_()),
    ("random_()", lambda t: t.random_()),
    ("random_(to)", lambda t: t.random_(10)),
    ("random_(from, to)", lambda t: t.random_(-3, 2 ** 20)),
]


@pytest.mark.parametrize("name,op", INPLACE, ids=[n for n, _ in INPLACE])
@pytest.mark.parametrize("shape", [(3, 4), (20, 30)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_inplace_methods(name, op, shape, dtype):
    for view_name, view in _views():
        both(lambda m: op(view(m.zeros(shape, dtype=_dt(m, dtype)))), 5, f"{name} {view_name}")


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "bool"])
def test_integer_inplace_methods(dtype):
    for view_name, view in _views():
        for op in (lambda t: t.random_(), lambda t: t.random_(0, 2), lambda t: t.bernoulli_(0.6)):
            both(lambda m: op(view(m.zeros((8, 6), dtype=_dt(m, dtype)))), 3, f"{dtype} {view_name}")


def test_like_functions():
    def base(m):
        return m.arange(20, dtype=m.float32).reshape(4, 5)

    both(lambda m: m.rand_like(base(m)), 0, "rand_like")
    both(lambda m: m.randn_like(base(m)), 0, "randn_like")
    both(lambda m: m.randn_like(base(m), dtype=m.float64), 0, "randn_like float64")
    # a transposed input gives a transposed result: filled in memory order, by the small-size normal path
    both(lambda m: m.randn_like(base(m).t()), 0, "randn_like of a transpose")
    both(lambda m: m.rand_like(base(m).t()), 0, "rand_like of a transpose")


def test_draw_errors_are_pytorchs():
    x = ember.empty(3)
    cases = [(lambda: x.uniform_(1, 0), "uniform_ expects to return a [from, to) range, but found from=1 > to=0"),
             (lambda: x.normal_(0, -1), "normal expects std >= 0.0, but found std -1"),
             (lambda: x.bernoulli_(1.5), "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
             (lambda: x.exponential_(0), "exponential_ expects lambda > 0.0, but found lambda=0"),
             (lambda: x.geometric_(1), "geometric_ expects p to be in (0, 1), but got p=1"),
             (lambda: x.log_normal_(0, 0), "log_normal_ expects std > 0.0, but found std=0"),
             (lambda: x.cauchy_(0, -1), "cauchy_ expects sigma > 0.0, but found sigma=-1"),
             (lambda: x.random_(5, 5), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
             (lambda: ember.multinomial(ember.tensor([1.0, 2.0]), 3),
              "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
             (lambda: ember.multinomial(ember.tensor([0.0, 0.0]), 1),
              "invalid multinomial distribution (sum of probabilities <= 0)")]
    for fn, message in cases:
        with pytest.raises(RuntimeError) as info:
            fn()
        assert str(info.value) == message


@pytest.mark.parametrize("p", [0.0, 1.0, 0.3, 0.9, 5 / 2 ** 21, 5 / 2 ** 21 + 2 ** -50, 5 / 2 ** 21 - 2 ** -50])
def test_bernoulli_compares_in_integers_as_the_float64_uniforms_do(p):
    """The scalar-p draw decides on integers; words whose high bits tie with the threshold are made on purpose."""
    import numpy as np

    from ember._random import _unit53, _unit53_below

    rng = np.random.default_rng(0)
    words = rng.integers(0, 1 << 32, size=4000, dtype=np.uint32)
    words[0:200:2] = (int(p * 2 ** 53) >> 32) | (rng.integers(0, 1 << 11, 100, dtype=np.uint32) << 21)
    words[1:200:4] = int(p * 2 ** 53) & 0xFFFFFFFF
    wide = (words[0::2].astype(np.uint64) << np.uint64(32)) | words[1::2]
    assert np.array_equal(_unit53_below(words, p), _unit53(wide) < p)
