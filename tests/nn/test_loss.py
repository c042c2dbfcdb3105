"""Every loss against PyTorch: values and input gradients over grids of reduction x options x shapes x dtypes,
module reprs and attributes, grad_fn names, the seed tutorials' printed numbers, and bad input."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import ember
from oracle import check, check_module, randn, same_error
from tests.autograd.test_next_functions import graph

RED = ["none", "mean", "sum"]
DTYPES = [np.float64, np.float32]


def F(lib):
    return lib.nn.functional


def rng(seed=0):
    return np.random.default_rng(seed)


def uniform(*shape, lo=0.05, hi=0.95, dtype=np.float64, seed=1):
    return rng(seed).uniform(lo, hi, shape).astype(dtype)


def classes(shape, n_classes, seed=2):
    return rng(seed).integers(0, n_classes, shape).astype(np.int64)


def signs(*shape, seed=3):
    return np.where(rng(seed).random(shape) < 0.5, -1.0, 1.0)


def const(lib, arr, dtype=None):
    """A tensor that does not require grad (targets PyTorch refuses gradients for, class weights)."""
    return None if arr is None else lib.tensor(arr if dtype is None else arr.astype(dtype))


# -- the seed tutorials -----------------------------------------------------------------------------------------

def test_seed_003_printed_values():
    nn = ember.nn
    inputs = ember.reshape(ember.tensor([1, 2, 3], dtype=ember.float32), (1, 1, 1, 3))
    targets = ember.reshape(ember.tensor([1, 2, 5], dtype=ember.float32), (1, 1, 1, 3))
    assert round(nn.L1Loss(reduction="mean")(inputs, targets).item(), 4) == 0.6667
    assert nn.L1Loss(reduction="sum")(inputs, targets).item() == 2.0
    assert round(nn.MSELoss(reduction="mean")(inputs, targets).item(), 4) == 1.3333
    x = ember.reshape(ember.tensor([0.1, 0.2, 0.3]), (1, 3))
    result = nn.CrossEntropyLoss()(x, ember.tensor([1]))
    assert round(result.item(), 4) == 1.1019
    assert result.dtype == ember.float32 and result.grad_fn is None


def test_seed_004_long_label_from_float_tensor():
    score = randn(3, 2, dtype=np.float32)
    label = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    out = check(lambda lib, s: lib.nn.CrossEntropyLoss()(s, lib.Tensor(label).long()), score)
    assert out[0].grad_fn.name() == "NllLossBackward0"


def test_seed_001_mse_graph():
    out = ember.nn.Linear(4, 10)(ember.randn(1, 4))
    loss = ember.nn.MSELoss()(out, ember.randn(10).view(1, -1))
    assert loss.grad_fn.name() == "MseLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "AddmmBackward0"


# -- regression losses ------------------------------------------------------------------------------------------

SHAPES = [(4, 5), (2, 3, 4), (7,)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("name,kw", [("l1_loss", {}), ("mse_loss", {}), ("smooth_l1_loss", {}),
                                     ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0}),
                                     ("huber_loss", {}), ("huber_loss", {"delta": 0.4})])
def test_regression(name, kw, reduction, shape, dtype):
    check(lambda lib, x, t: getattr(F(lib), name)(x, t, reduction=reduction, **kw),
          randn(*shape, dtype=dtype), randn(*shape, dtype=dtype, seed=5))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_regression_weight(name, reduction):
    w = uniform(4, 5, seed=9)
    check(lambda lib, x, t: getattr(F(lib), name)(x, t, reduction=reduction, weight=const(lib, w)),
          randn(4, 5), randn(4, 5, seed=5))


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_broadcast_target_warns(name):
    with pytest.warns(UserWarning, match="different to the input size"):
        check(lambda lib, x, t: getattr(F(lib), name)(x, t), randn(3, 5), randn(1, 5, seed=5))


def test_mse_integer_target_promotes():
    check(lambda lib, x: F(lib).mse_loss(x, lib.tensor([1, 0, 2])), randn(3, dtype=np.float32))


# -- cross entropy and nll ---------------------------------------------------------------------------------------

CE_SHAPES = [((4, 5), (4,)), ((5,), ()), ((2, 3, 4, 4), (2, 4, 4)), ((3, 4, 2), (3, 2))]


def _targets(tshape, n_classes, ignore_index):
    t = classes(tshape, n_classes)
    if ignore_index is not None and t.size > 1:
        t.reshape(-1)[::3] = ignore_index
    return t


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
@pytest.mark.parametrize("weighted,ignore_index,smoothing",
                         [(False, -100, 0.0), (True, -100, 0.0), (False, 1, 0.0), (True, -100, 0.2),
                          (True, 2, 0.3), (False, -1, 0.1)])
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_class_indices(reduction, weighted, ignore_index, smoothing, shapes, dtype):
    xshape, tshape = shapes
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    t = _targets(tshape, c, ignore_index)
    w = uniform(c, seed=7, dtype=dtype) if weighted else None
    out = check(lambda lib, x: F(lib).cross_entropy(x, lib.tensor(t), weight=const(lib, w), ignore_index=ignore_index,
                                                    reduction=reduction, label_smoothing=smoothing),
                randn(*xshape, dtype=dtype))
    assert out[0].grad_fn.name() == ("AddBackward0" if smoothing else
                                     "NllLossBackward0" if len(xshape) < 3 else
                                     "ViewBackward0" if reduction == "none" and len(xshape) != 4 else
                                     "NllLoss2DBackward0")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xshape", [(4, 5), (5,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (False, 0.25), (True, 0.1)])
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_probabilities(reduction, weighted, smoothing, xshape, dtype):
    cdim = 1 if len(xshape) > 1 else 0
    p = np.exp(randn(*xshape, seed=4))
    p = (p / p.sum(cdim, keepdims=True)).astype(dtype)
    w = uniform(xshape[cdim], seed=7, dtype=dtype) if weighted else None
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, weight=const(lib, w), reduction=reduction,
                                                 label_smoothing=smoothing),
          randn(*xshape, dtype=dtype), p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", CE_SHAPES, ids=str)
@pytest.mark.parametrize("weighted,ignore_index", [(False, -100), (True, -100), (True, 0), (False, 3)])
@pytest.mark.parametrize("reduction", RED)
def test_nll_loss(reduction, weighted, ignore_index, shapes, dtype):
    xshape, tshape = shapes
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    t = _targets(tshape, c, ignore_index)
    w = uniform(c, seed=7, dtype=dtype) if weighted else None
    out = check(lambda lib, x: F(lib).nll_loss(x, lib.tensor(t), weight=const(lib, w), ignore_index=ignore_index,
                                               reduction=reduction),
                randn(*xshape, dtype=dtype))
    assert out[0].grad_fn.name() == ("NllLossBackward0" if len(xshape) < 3 else
                                     "ViewBackward0" if reduction == "none" and len(xshape) != 4 else
                                     "NllLoss2DBackward0")


def test_cross_entropy_grad_fn_chain():
    x = ember.randn(4, 5, requires_grad=True)
    loss = F(ember).cross_entropy(x, ember.tensor([0, 1, 2, 3]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_nll_all_ignored_is_nan_with_zero_grad():
    out = check(lambda lib, x: F(lib).nll_loss(x, lib.tensor([-100, -100])), randn(2, 3))
    assert np.isnan(out[0].item())


def test_cross_entropy_uint8_target():
    check(lambda lib, x: F(lib).cross_entropy(x, lib.tensor(np.array([1, 0, 2], dtype=np.uint8))), randn(3, 4))


def test_cross_entropy_double_backward():
    def fn(lib, x):
        loss = F(lib).cross_entropy(x * x, lib.tensor([1, 0, 2]), label_smoothing=0.1)
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        return (g * g).sum()

    check(fn, randn(3, 4))


def _same_graph(make) -> None:
    """``make(lib)``'s grad_fn graph (node names and next_functions edges, recursively) is torch's."""
    graphs = [graph(lib, make(lib).grad_fn, depth=12) for lib in (ember, torch)]
    assert graphs[0] == graphs[1]


GRAPH_SHAPES = [(4, 3), (3,), (2, 3, 4), (2, 3, 2, 2), (2, 3, 1, 2, 2)]


@pytest.mark.parametrize("xshape", GRAPH_SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["index", "ignored", "probs"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_graph_matches_torch(reduction, weighted, smoothing, kind, xshape):
    # torch multiplies by the smoothing factors and divides by the class count as Scalars (MulBackward1,
    # AddBackward1, DivBackward1: one edge each) and runs inputs of rank 3 and 5+ through a (N, C, 1, -1) view
    c = xshape[1] if len(xshape) > 1 else xshape[0]
    tshape = xshape[:1] + xshape[2:] if len(xshape) > 1 else ()
    t = uniform(*xshape, seed=4) if kind == "probs" else _targets(tshape, c, 1 if kind == "ignored" else None)
    w = uniform(c, seed=7) if weighted else None

    def make(lib):
        x = lib.tensor(randn(*xshape), requires_grad=True)
        return F(lib).cross_entropy(x, lib.tensor(t), weight=const(lib, w), reduction=reduction,
                                    label_smoothing=smoothing, ignore_index=1 if kind == "ignored" else -100)

    _same_graph(make)


@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_probability_target_with_grad_graph(reduction):
    def make(lib):
        x = lib.tensor(randn(3, 4), requires_grad=True)
        t = lib.tensor(uniform(3, 4), requires_grad=True)
        return F(lib).cross_entropy(x, t, reduction=reduction, label_smoothing=0.3)

    _same_graph(make)
    check(lambda lib, x, t: F(lib).cross_entropy(x, t, reduction=reduction, label_smoothing=0.3),
          randn(3, 4), uniform(3, 4))


@pytest.mark.parametrize("xshape", GRAPH_SHAPES + ["transposed"], ids=str)
@pytest.mark.parametrize("weighted,ignore_index", [(False, -100), (True, 1)])
@pytest.mark.parametrize("reduction", RED)
def test_nll_loss_graph_matches_torch(reduction, weighted, ignore_index, xshape):
    # a non-contiguous (N, C, d) input is copied before the view, as torch does (CloneBackward0)
    shape = (2, 3, 4) if xshape == "transposed" else xshape
    c = shape[1] if len(shape) > 1 else shape[0]
    t = _targets(shape[:1] + shape[2:] if len(shape) > 1 else (), c, ignore_index)
    w = uniform(c, seed=7) if weighted else None

    def make(lib):
        x = lib.tensor(randn(*shape), requires_grad=True)
        if xshape == "transposed":
            x = x.transpose(1, 2).contiguous().transpose(1, 2)
        return F(lib).nll_loss(x, lib.tensor(t), weight=const(lib, w), ignore_index=ignore_index,
                               reduction=reduction)

    _same_graph(make)


@pytest.mark.parametrize("xshape,tshape", [((0, 4, 3), (0, 3)), ((2, 4, 0), (2, 0)), ((0, 4, 1, 0, 2), (0, 1, 0, 2))],
                         ids=str)
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_empty_spatial_inputs(reduction, xshape, tshape):
    check(lambda lib, x: F(lib).cross_entropy(x, lib.zeros(tshape, dtype=lib.long), reduction=reduction),
          np.zeros(xshape))


# -- binary cross entropy -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (6,)], ids=str)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", RED)
def test_binary_cross_entropy(reduction, weighted, shape, dtype):
    w = uniform(*shape, seed=8, dtype=dtype) if weighted else None
    out = check(lambda lib, x, t: F(lib).binary_cross_entropy(x, t, weight=const(lib, w), reduction=reduction),
                uniform(*shape, dtype=dtype), uniform(*shape, seed=3, dtype=dtype))
    assert out[0].grad_fn.name() == "BinaryCrossEntropyBackward0"


def test_binary_cross_entropy_clamps_log_at_minus_100():
    check(lambda lib, x: F(lib).binary_cross_entropy(x, lib.tensor(np.array([1.0, 0.0, 1.0])), reduction="none"),
          np.array([0.0, 1.0, 0.5]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)], ids=str)
@pytest.mark.parametrize("weighted,pos", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("reduction", RED)
def test_binary_cross_entropy_with_logits(reduction, weighted, pos, shape, dtype):
    w = uniform(*shape[-1:], seed=8, dtype=dtype) if weighted else None
    pw = uniform(shape[-1], lo=0.5, hi=3, seed=6, dtype=dtype) if pos else None
    out = check(lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(
        x, t, weight=const(lib, w), pos_weight=const(lib, pw), reduction=reduction),
        randn(*shape, dtype=dtype) * 3, uniform(*shape, lo=0, hi=1, seed=3, dtype=dtype))
    assert out[0].grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"


def test_binary_cross_entropy_with_logits_is_stable():
    check(lambda lib, x: F(lib).binary_cross_entropy_with_logits(x, lib.tensor(np.array([1.0, 0.0, 1.0, 0.0])),
                                                                 reduction="none"),
          np.array([-800.0, 800.0, 800.0, -800.0]))


# -- kl divergence, poisson, gaussian -----------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the target's NaN gradient at 0, as PyTorch's xlogy gives
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
def test_kl_div(reduction, log_target, dtype):
    t = uniform(3, 4, lo=0.0, hi=1.0, dtype=dtype)
    t[0, 0] = 0.0
    if log_target:
        t = np.log(t + 0.1).astype(dtype)
    check(lambda lib, x, t: F(lib).kl_div(x, t, reduction=reduction, log_target=log_target),
          randn(3, 4, dtype=dtype), t)


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        check(lambda lib, x, t: F(lib).kl_div(x, t), randn(3, 4), uniform(3, 4))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Stirling's term: NaN target gradient at 0, as PyTorch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("log_input,full", list(itertools.product([True, False], [False, True])))
@pytest.mark.parametrize("reduction", RED)
def test_poisson_nll_loss(reduction, log_input, full, dtype):
    x = randn(4, 5, dtype=dtype) if log_input else uniform(4, 5, lo=0.1, hi=3, dtype=dtype)
    t = rng(5).poisson(2.0, (4, 5)).astype(dtype)
    check(lambda lib, x, t: F(lib).poisson_nll_loss(x, t, log_input=log_input, full=full, reduction=reduction),
          x, t)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3), "float"], ids=str)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", RED)
def test_gaussian_nll_loss(reduction, full, var_shape, dtype):
    if var_shape == "float":
        check(lambda lib, x, t: F(lib).gaussian_nll_loss(x, t, 0.7, full=full, reduction=reduction),
              randn(4, 3, dtype=dtype), randn(4, 3, seed=1, dtype=dtype))
        return
    var = uniform(*var_shape, lo=0.0, hi=2.0, seed=4, dtype=dtype)
    var.reshape(-1)[0] = 1e-9  # clamped to eps; the gradient still passes straight through
    check(lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
          randn(4, 3, dtype=dtype), randn(4, 3, seed=1, dtype=dtype), var)


# -- margin and embedding losses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 5), (6,)], ids=str)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_margin_loss(dtype, reduction, shape):
    y = signs(*shape)
    out = check(lambda lib, x: F(lib).soft_margin_loss(x, const(lib, y, dtype), reduction=reduction),
                randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "SoftMarginLossBackward0"


@pytest.mark.parametrize("shape", [(4, 5), (5,)], ids=str)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_soft_margin_loss(dtype, reduction, weighted, shape):
    w = uniform(shape[-1], seed=6, dtype=dtype) if weighted else None
    t = (rng(4).random(shape) < 0.5).astype(dtype)
    check(lambda lib, x: F(lib).multilabel_soft_margin_loss(x, const(lib, t), weight=const(lib, w),
                                                            reduction=reduction),
          randn(*shape, dtype=dtype) * 2)


@pytest.mark.parametrize("case", ["batched", "unbatched"])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_margin_loss(dtype, reduction, case):
    if case == "batched":
        t = np.array([[3, 0, -1, 1, 2], [1, 2, 4, 3, -1], [-1, 1, 2, 3, 4], [4, 4, 1, -1, 0]])
        x = randn(4, 5, dtype=dtype) * 0.5
    else:
        t, x = np.array([2, 0, -1, 3]), randn(4, dtype=dtype) * 0.5
    out = check(lambda lib, x: F(lib).multilabel_margin_loss(x, lib.tensor(t), reduction=reduction), x)
    assert out[0].grad_fn.name() == "MultilabelMarginLossBackward0"


@pytest.mark.parametrize("shapes", [((6, 4), (6,)), ((4,), ()), ((4,), (1,))], ids=str)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.5, True), (2, 2.0, True)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_margin_loss(dtype, reduction, p, margin, weighted, shapes):
    xshape, tshape = shapes
    t = classes(tshape, xshape[-1])
    w = uniform(xshape[-1], seed=6, dtype=dtype) if weighted else None
    out = check(lambda lib, x: F(lib).multi_margin_loss(x, lib.tensor(t), p=p, margin=margin, weight=const(lib, w),
                                                        reduction=reduction),
                randn(*xshape, dtype=dtype))
    assert out[0].grad_fn.name() == "MultiMarginLossBackward0"


def test_multi_margin_loss_double_backward_p2():
    # PyTorch has no double backward here: check ember's against a central difference of the first derivative
    y, w = ember.tensor([0, 2, 1]), ember.tensor(uniform(4))
    x0, v, u = randn(3, 4) * 0.3, randn(3, 4, seed=1), randn(3, 4, seed=2)

    def directional(arr):  # (d loss / dx) . v
        x = ember.tensor(arr, requires_grad=True)
        (g,) = ember.autograd.grad(F(ember).multi_margin_loss(x, y, p=2, weight=w), x, create_graph=True)
        return x, (g * ember.tensor(v)).sum()

    x, phi = directional(x0)
    (h,) = ember.autograd.grad(phi, x)
    eps = 1e-6
    numeric = (directional(x0 + eps * u)[1].item() - directional(x0 - eps * u)[1].item()) / (2 * eps)
    assert abs((h.numpy() * u).sum() - numeric) < 1e-6
    assert abs(numeric) > 1e-3


@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_margin_ranking_loss(dtype, reduction, margin):
    y = signs(6)
    check(lambda lib, a, b: F(lib).margin_ranking_loss(a, b, const(lib, y, dtype), margin=margin,
                                                       reduction=reduction),
          randn(6, dtype=dtype), randn(6, seed=1, dtype=dtype))


@pytest.mark.parametrize("margin", [1.0, 0.3])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_hinge_embedding_loss(dtype, reduction, margin):
    y = signs(4, 5)
    check(lambda lib, x: F(lib).hinge_embedding_loss(x, const(lib, y, dtype), margin=margin, reduction=reduction),
          randn(4, 5, dtype=dtype))


@pytest.mark.parametrize("shapes", [((5, 3), (5,)), ((4,), ())], ids=str)
@pytest.mark.parametrize("margin", [0.0, 0.2])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cosine_embedding_loss(dtype, reduction, margin, shapes):
    xshape, tshape = shapes
    y = signs(*tshape) if tshape else np.array(-1.0)
    check(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, const(lib, y, dtype), margin=margin,
                                                         reduction=reduction),
          randn(*xshape, dtype=dtype), randn(*xshape, seed=1, dtype=dtype))


@pytest.mark.parametrize("shape", [(5, 3), (4,)], ids=str)
@pytest.mark.parametrize("margin,p,swap", [(1.0, 2.0, False), (0.5, 1.0, True), (2.0, 3.0, False)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_triplet_margin_loss(dtype, reduction, margin, p, swap, shape):
    check(lambda lib, a, pos, neg: F(lib).triplet_margin_loss(a, pos, neg, margin=margin, p=p, swap=swap,
                                                              reduction=reduction),
          randn(*shape, dtype=dtype), randn(*shape, seed=1, dtype=dtype), randn(*shape, seed=2, dtype=dtype))


@pytest.mark.parametrize("distance", ["default", "cosine"])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", RED)
def test_triplet_margin_with_distance_loss(reduction, swap, distance):
    def fn(lib, a, pos, neg):
        dist = None if distance == "default" else (lambda x, y: 1 - F(lib).cosine_similarity(x, y))
        return F(lib).triplet_margin_with_distance_loss(a, pos, neg, distance_function=dist, margin=0.7, swap=swap,
                                                        reduction=reduction)

    check(fn, randn(5, 3), randn(5, 3, seed=1), randn(5, 3, seed=2))


# -- CTC ------------------------------------------------------------------------------------------------------------

def _ctc_case(seed, n=4, t_max=12, c=5, s_max=4):
    r = rng(seed)
    il = r.integers(t_max // 2, t_max + 1, n)
    il[0] = t_max
    tl = r.integers(0, s_max + 1, n)
    tl[0] = s_max
    targets = r.integers(1, c, (n, s_max))
    targets[1, :2] = targets[1, 0]  # a repeated label needs a blank between
    return randn(t_max, n, c, seed=seed), targets, il, tl


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target_format", ["padded", "concatenated"])
@pytest.mark.parametrize("lengths", ["tensor", "list"])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("seed", [0, 1])
def test_ctc_loss(seed, reduction, lengths, target_format, dtype):
    logits, targets, il, tl = _ctc_case(seed)
    if target_format == "concatenated":
        targets = np.concatenate([targets[i, :tl[i]] for i in range(len(tl))])

    def fn(lib, x):
        lens = (lib.tensor(il), lib.tensor(tl)) if lengths == "tensor" else (il.tolist(), tl.tolist())
        return F(lib).ctc_loss(x.log_softmax(2), lib.tensor(targets), *lens, reduction=reduction)

    check(fn, logits.astype(dtype), **({} if dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)))


@pytest.mark.parametrize("reduction", RED)
def test_ctc_loss_direct_log_probs_and_blank(reduction):
    logits, targets, il, tl = _ctc_case(3)
    lp = torch.tensor(logits).log_softmax(2).numpy()
    targets = np.where(targets == 2, 0, targets)  # blank=2: labels may use 0 instead
    check(lambda lib, x: F(lib).ctc_loss(x, lib.tensor(targets), lib.tensor(il), lib.tensor(tl), blank=2,
                                         reduction=reduction), lp)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_impossible_alignment(zero_infinity):
    targets = np.array([[1, 1, 1, 1], [1, 2, 3, 1]])  # the first needs 7 frames, gets 5
    out = check(lambda lib, x: F(lib).ctc_loss(x.log_softmax(2), lib.tensor(targets), lib.tensor([5, 9]),
                                               lib.tensor([4, 4]), reduction="sum", zero_infinity=zero_infinity),
                randn(9, 2, 5), grad=zero_infinity)
    assert np.isfinite(out[0].item()) == zero_infinity


def test_ctc_loss_unbatched_and_int_lengths():
    logits, targets, _, _ = _ctc_case(4)
    for reduction in RED:
        check(lambda lib, x: F(lib).ctc_loss(x.log_softmax(1), lib.tensor(targets[0]), lib.tensor(12),
                                             lib.tensor(4), reduction=reduction), logits[:, 0])
    lp = ember.tensor(logits[:, 0]).log_softmax(1)
    as_int = F(ember).ctc_loss(lp, ember.tensor(targets[0]), 12, 4)
    as_tensor = F(ember).ctc_loss(lp, ember.tensor(targets[0]), ember.tensor(12), ember.tensor(4))
    assert as_int.item() == as_tensor.item()


def test_ctc_grad_fn_chain():
    logits, targets, il, tl = _ctc_case(0)
    loss = F(ember).ctc_loss(ember.tensor(logits, requires_grad=True).log_softmax(2), ember.tensor(targets),
                             ember.tensor(il), ember.tensor(tl))
    assert loss.grad_fn.name() == "MeanBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "DivBackward0"
    assert loss.grad_fn.next_functions[0][0].next_functions[0][0].name() == "CtcLossBackward0"


# -- grad_fn names --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,make,expected", [
    ("mse_loss", lambda lib, x: F(lib).mse_loss(x, x.detach() * 0), "MseLossBackward0"),
    ("l1_loss", lambda lib, x: F(lib).l1_loss(x, x.detach() * 0), "MeanBackward0"),
    ("smooth_l1_loss", lambda lib, x: F(lib).smooth_l1_loss(x, x.detach() * 0), "SmoothL1LossBackward0"),
    ("huber_loss", lambda lib, x: F(lib).huber_loss(x, x.detach() * 0), "HuberLossBackward0"),
    ("kl_div", lambda lib, x: F(lib).kl_div(x, x.detach().exp(), reduction="sum"), "SumBackward0"),
    ("poisson", lambda lib, x: F(lib).poisson_nll_loss(x, x.detach().abs()), "MeanBackward0"),
    ("ce_probs", lambda lib, x: F(lib).cross_entropy(x, x.detach().softmax(1)), "DivBackward1"),
    ("ce_probs_sum", lambda lib, x: F(lib).cross_entropy(x, x.detach().softmax(1), reduction="sum"),
     "NegBackward0"),
])
def test_grad_fn_names(name, make, expected):
    x = randn(3, 4)
    assert make(torch, torch.tensor(x, requires_grad=True)).grad_fn.name() == expected
    assert make(ember, ember.tensor(x, requires_grad=True)).grad_fn.name() == expected


# -- modules --------------------------------------------------------------------------------------------------------

MODULES = ["L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss",
           "MultiMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss"]


def _public_attrs(module) -> dict:
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k != "training"}


@pytest.mark.parametrize("name", MODULES)
def test_module_repr_attributes_buffers(name):
    e, t = getattr(ember.nn, name)(), getattr(torch.nn, name)()
    assert repr(e) == repr(t)
    e_attrs, t_attrs = _public_attrs(e), _public_attrs(t)
    assert e_attrs.keys() == t_attrs.keys()
    for k, v in t_attrs.items():
        if not isinstance(v, torch.nn.Module):
            assert e_attrs[k] == v, k
    assert list(e._buffers) == list(t._buffers)
    assert list(e.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("name,kwargs", [
    ("CrossEntropyLoss", dict(ignore_index=3, label_smoothing=0.1, reduction="sum")),
    ("NLLLoss", dict(ignore_index=0, reduction="none")),
    ("SmoothL1Loss", dict(beta=0.3)), ("HuberLoss", dict(delta=2.0)), ("KLDivLoss", dict(log_target=True)),
    ("MultiMarginLoss", dict(p=2, margin=0.5)), ("TripletMarginLoss", dict(margin=0.5, p=1.0, swap=True)),
    ("PoissonNLLLoss", dict(log_input=False, full=True, eps=1e-4)), ("GaussianNLLLoss", dict(full=True, eps=0.1)),
    ("CTCLoss", dict(blank=3, zero_infinity=True)), ("MarginRankingLoss", dict(margin=0.2)),
])
def test_module_options(name, kwargs):
    e, t = getattr(ember.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(e) == repr(t)
    assert _public_attrs(e) == _public_attrs(t)


@pytest.mark.parametrize("size_average,reduce,expected", [(False, None, "sum"), (None, False, "none"),
                                                          (True, True, "mean"), (False, False, "none")])
def test_legacy_size_average_reduce(size_average, reduce, expected):
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        m = ember.nn.MSELoss(size_average=size_average, reduce=reduce)
    assert m.reduction == expected
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        check(lambda lib, x: F(lib).cross_entropy(x, lib.tensor([0, 2]), size_average=size_average, reduce=reduce),
              randn(2, 3))


def test_weighted_modules_state_dict_and_grads():
    w = uniform(5, seed=3)
    e, t = ember.nn.CrossEntropyLoss(weight=ember.tensor(w)), torch.nn.CrossEntropyLoss(weight=torch.tensor(w))
    assert list(e.state_dict()) == ["weight"]
    check_module(e, t, randn(4, 5), classes((4,), 5))
    e = ember.nn.BCEWithLogitsLoss(pos_weight=ember.tensor(w))
    t = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w))
    assert list(e.state_dict()) == ["pos_weight"]
    check_module(e, t, randn(4, 5), uniform(4, 5))


@pytest.mark.parametrize("name,inputs", [
    ("MarginRankingLoss", lambda: (randn(4), randn(4, seed=1), signs(4))),
    ("TripletMarginWithDistanceLoss", lambda: (randn(3, 4), randn(3, 4, seed=1), randn(3, 4, seed=2))),
    ("GaussianNLLLoss", lambda: (randn(3, 4), randn(3, 4, seed=1), uniform(3, 4))),
    ("CTCLoss", lambda: (torch.tensor(randn(6, 2, 4)).log_softmax(2).numpy(), np.array([[1, 2], [3, 3]]),
                         np.array([6, 5]), np.array([2, 2]))),
])
def test_module_forward_matches(name, inputs):
    check_module(getattr(ember.nn, name)(), getattr(torch.nn, name)(), *inputs())


def test_nll_loss_2d_deprecated():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        m = ember.nn.NLLLoss2d()
    assert repr(m) == "NLLLoss2d()"


# -- bad input -------------------------------------------------------------------------------------------------------

def _raises(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


E = ember.nn.functional


@pytest.mark.parametrize("exc,match,fn", [
    (ValueError, r"Expected input batch_size \(3\) to match target batch_size \(4\)\.",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, 2, 3, 4]))),
    (ValueError, r"Expected input batch_size \(3\) to match target batch_size \(4\)\.",
     lambda: E.nll_loss(ember.randn(3, 5), ember.tensor([1, 2, 3, 4]))),
    (IndexError, r"Target 5 is out of bounds\.", lambda: E.nll_loss(ember.randn(3, 5), ember.tensor([1, 2, 5]))),
    (IndexError, r"Target -1 is out of bounds\.",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, -1, 2]))),
    (RuntimeError, "expected target dtype to be Long or Byte, but got Float",
     lambda: E.nll_loss(ember.randn(3, 5), ember.rand(3))),
    (RuntimeError, "expected target dtype to be Long or Byte, but got Int",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, 2, 3], dtype=ember.int32))),
    (RuntimeError, r"^Expected target size \[2, 4\], got \[2, 5\]",
     lambda: E.nll_loss(ember.randn(2, 3, 4), ember.zeros(2, 5, dtype=ember.int64))),
    (RuntimeError, "multi-target not supported", lambda: E.cross_entropy(ember.randn(3, 5), ember.zeros(3, 2).long())),
    (RuntimeError, r"weight tensor should be defined either for all 5 classes or no classes but got weight tensor "
                   r"of shape: \[4\]",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, 2, 3]), weight=ember.ones(4))),
    (RuntimeError, "ignore_index is not supported for floating point target",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.rand(3, 5), ignore_index=1)),
    (RuntimeError, r"label_smoothing must be between 0\.0 and 1\.0\. Got: 1\.5",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, 2, 3]), label_smoothing=1.5)),
    (ValueError, "foo is not a valid value for reduction",
     lambda: E.mse_loss(ember.randn(3), ember.randn(3), reduction="foo")),
    (ValueError, "foo is not a valid value for reduction",
     lambda: E.cross_entropy(ember.randn(3, 5), ember.tensor([1, 2, 3]), reduction="foo")),
    (RuntimeError, "^all elements of input should be between 0 and 1$",
     lambda: E.binary_cross_entropy(ember.tensor([1.5, 0.5]), ember.tensor([1.0, 0.0]))),
    (ValueError, r"Using a target size \(ember.Size\(\[4\]\)\) that is different to the input size "
                 r"\(ember.Size\(\[3\]\)\)",
     lambda: E.binary_cross_entropy(ember.rand(3), ember.rand(4))),
    (RuntimeError, "^Found dtype Long but expected Float",
     lambda: E.binary_cross_entropy(ember.rand(3), ember.tensor([1, 0, 1]))),
    (ValueError, r"Target size \(ember.Size\(\[4\]\)\) must be the same as input size \(ember.Size\(\[3\]\)\)",
     lambda: E.binary_cross_entropy_with_logits(ember.rand(3), ember.rand(4))),
    (RuntimeError, "binary_cross_entropy_with_logits: expected a floating point target, but got Long",
     lambda: E.binary_cross_entropy_with_logits(ember.rand(3), ember.tensor([1, 0, 1]))),
    (RuntimeError, r"^The size of tensor a \(5\) must match the size of tensor b \(4\)",
     lambda: E.mse_loss(ember.randn(3, 5), ember.randn(3, 4))),
    (RuntimeError, "The function 'nll_loss' is not differentiable with respect to argument 'weight'",
     lambda: E.nll_loss(ember.randn(3, 5), ember.tensor([1, 2, 3]), weight=ember.ones(5, requires_grad=True))),
    (ValueError, "only p == 1 and p == 2 supported",
     lambda: E.multi_margin_loss(ember.randn(3, 5), ember.tensor([1, 2, 3]), p=3)),
    (RuntimeError, "multi_margin_loss: target out of range",
     lambda: E.multi_margin_loss(ember.randn(3, 5), ember.tensor([1, 2, 7]))),
    (RuntimeError, r"Expected target size \[3\], but got \[2\]\. Input has shape \[3, 5\]",
     lambda: E.multi_margin_loss(ember.randn(3, 5), ember.tensor([1, 2]))),
    (RuntimeError, r"inconsistent target size: \[2\] for input of size: \[3, 5\]",
     lambda: E.multilabel_margin_loss(ember.randn(3, 5), ember.tensor([1, 2]))),
    (RuntimeError, "'target' is out of range",
     lambda: E.multilabel_margin_loss(ember.randn(3, 5), ember.full((3, 5), 7, dtype=ember.int64))),
    (ValueError, "var is of incorrect size",
     lambda: E.gaussian_nll_loss(ember.randn(3, 5), ember.randn(3, 5), ember.ones(2))),
    (ValueError, "var has negative entry/entries",
     lambda: E.gaussian_nll_loss(ember.randn(3, 5), ember.randn(3, 5), -ember.ones(3, 5))),
    (RuntimeError, r"1D target tensor expects 2D input tensors, but found inputs with sizes \[2, 3, 4\]",
     lambda: E.cosine_embedding_loss(ember.randn(2, 3, 4), ember.randn(2, 3, 4), ember.ones(2))),
    (RuntimeError, "margin_ranking_loss : All input tensors should have same dimension",
     lambda: E.margin_ranking_loss(ember.randn(3, 5), ember.randn(3, 5), ember.ones(3))),
    (RuntimeError, "anchor 2D, positive 2D, and negative 1D inputs",
     lambda: E.triplet_margin_loss(ember.randn(3, 5), ember.randn(3, 5), ember.randn(5))),
    (RuntimeError, "smooth_l1_loss does not support negative values for beta",
     lambda: E.smooth_l1_loss(ember.randn(3), ember.randn(3), beta=-1.0)),
    (RuntimeError, "huber_loss does not support non-positive values for delta",
     lambda: E.huber_loss(ember.randn(3), ember.randn(3), delta=0.0)),
    (RuntimeError, "ctc_loss: target_lengths must be of size batch_size",
     lambda: E.ctc_loss(ember.randn(6, 2, 4), ember.tensor([[1, 2], [1, 1]]), [6, 6], [2, 2, 1])),
    (RuntimeError, "Expected input_lengths to have value at most 6, but got value 7",
     lambda: E.ctc_loss(ember.randn(6, 2, 4), ember.tensor([[1, 2], [1, 1]]), [7, 6], [2, 2])),
    (RuntimeError, "Expected tensor to have size at least 3 at dimension 1, but got size 2",
     lambda: E.ctc_loss(ember.randn(6, 2, 4), ember.tensor([[1, 2], [1, 1]]), [6, 6], [3, 2])),
    (RuntimeError, "blank must be in label range",
     lambda: E.ctc_loss(ember.randn(6, 2, 4), ember.tensor([[1, 2], [1, 1]]), [6, 6], [2, 2], blank=4)),
    (ValueError, "TripletMarginLoss: expected margin to be greater than 0",
     lambda: ember.nn.TripletMarginLoss(margin=0)),
    (ValueError, "only p == 1 and p == 2 supported", lambda: ember.nn.MultiMarginLoss(p=3)),
])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_bad_input(exc, match, fn):
    _raises(exc, match, fn)


def test_bad_input_matches_torch_exception_types():
    """The same mistakes raise the same exception types in torch (the spec)."""
    cases = [
        (lambda lib: F(lib).cross_entropy(lib.randn(3, 5), lib.tensor([1, 2, 3, 4])), ValueError),
        (lambda lib: F(lib).nll_loss(lib.randn(3, 5), lib.tensor([1, 2, 5])), IndexError),
        (lambda lib: F(lib).binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])), RuntimeError),
        (lambda lib: F(lib).nll_loss(lib.randn(3, 5), lib.rand(3)), RuntimeError),
    ]
    for fn, exc in cases:
        for lib in (ember, torch):
            with pytest.raises(exc):
                fn(lib)


def test_module_error_is_pytorchs_with_a_note():
    message = r"^Expected input batch_size \(3\) to match target batch_size \(4\)\."
    with pytest.raises(ValueError, match=message) as info:
        ember.nn.CrossEntropyLoss()(ember.randn(3, 5), ember.tensor([1, 2, 3, 4]))
    assert info.value.__notes__ == ["in CrossEntropyLoss = CrossEntropyLoss() called with inputs of shapes (3, 5), "
                                    "(4,)"]


def test_float32_stays_float32():
    x = ember.randn(4, 5, requires_grad=True)
    for loss in (E.cross_entropy(x, ember.tensor([0, 1, 2, 3])), E.mse_loss(x, ember.zeros(4, 5)),
                 E.binary_cross_entropy_with_logits(x, ember.rand(4, 5)), E.smooth_l1_loss(x, ember.zeros(4, 5))):
        loss.backward()
        assert loss.dtype == ember.float32 and x.grad.dtype == ember.float32


@pytest.mark.parametrize("call", [
    lambda F, a, b, t: F.mse_loss(a, b), lambda F, a, b, t: F.l1_loss(a, b), lambda F, a, b, t: F.smooth_l1_loss(a, b),
    lambda F, a, b, t: F.huber_loss(a, b), lambda F, a, b, t: F.soft_margin_loss(a, b),
    lambda F, a, b, t: F.hinge_embedding_loss(a, b), lambda F, a, b, t: F.margin_ranking_loss(a, a, b),
    lambda F, a, b, t: F.margin_ranking_loss(a, b, b), lambda F, a, b, t: F.cosine_embedding_loss(a, a, t),
])
def test_shapes_that_do_not_broadcast_give_torchs_message(call):
    # the message names tensors a and b in the order torch's kernel meets them, with no loss-name prefix
    same_error(lambda lib: call(lib.nn.functional, lib.ones(3, 2), lib.ones(4, 2), lib.ones(4)), "size of tensor a")
