"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch: forward (output, loss), log_prob, predict, gradients of the input
and of every head/tail weight, reprs, state_dict keys, grad_fn names and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, copy_weights, randn, same_error


def _pair(*args, dtype=np.float64, **kwargs):
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs)
    if dtype == np.float64:
        e, t = e.double(), t.double()
    copy_weights(e, t)
    return e, t


CONFIGS = [  # in_features, n_classes, cutoffs, div_value, head_bias
    (8, 10, [4], 4.0, False),
    (8, 20, [4, 10], 2.0, True),
    (16, 30, [2, 5, 12], 4.0, False),
    (6, 7, [1, 6], 1.5, True),
]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("targets", ["spread", "shortlist", "last_cluster", "one"])
def test_forward_matches_torch(config, targets):
    in_f, n, cutoffs, div, bias = config
    e, t = _pair(in_f, n, cutoffs, div_value=div, head_bias=bias)
    rng = np.random.default_rng(1)
    target = {"spread": np.concatenate([np.arange(n), rng.integers(0, n, 5)]),
              "shortlist": rng.integers(0, cutoffs[0], 6),
              "last_cluster": rng.integers(cutoffs[-1], n, 4),
              "one": np.array([n - 1])}[targets]
    out = check_module(e, t, randn(target.size, in_f), target)
    assert [o.grad_fn.name() for o in out] == ["AddBackward0", "MeanBackward0"]


def test_unbatched_and_namedtuple():
    e, t = _pair(8, 20, [4, 10])
    for target in (np.array(2), np.array(15)):
        out = check_module(e, t, randn(8), target)
        assert out[0].shape == () and out[0].grad_fn.name() == "SqueezeBackward1"
    res = e(ember.tensor(randn(3, 8)), ember.tensor(np.array([0, 5, 19])))
    assert type(res).__name__ == "_ASMoutput" and res._fields == ("output", "loss")
    assert res.loss is res[1]
    assert repr(res).startswith("_ASMoutput(output=tensor([")


def test_float32():
    e, t = _pair(8, 20, [4, 10], dtype=np.float32)
    out = check_module(e, t, randn(7, 8, dtype=np.float32), np.array([0, 3, 4, 9, 10, 19, 12]))
    assert out[0].dtype == out[1].dtype == ember.float32


@pytest.mark.parametrize("config", CONFIGS[:3])
def test_log_prob_matches_torch(config):
    in_f, n, cutoffs, div, bias = config
    e, t = _pair(in_f, n, cutoffs, div_value=div, head_bias=bias)
    modules = {"ember": e, "torch": t}
    out = check(lambda lib, x: modules[lib.__name__].log_prob(x), randn(5, in_f))
    assert out[0].grad_fn.name() == "CopySlices"
    np.testing.assert_allclose(np.exp(out[0].detach().numpy()).sum(1), 1.0)
    t_params = dict(t.named_parameters())
    for name, p in e.named_parameters():
        assert_close(p.grad, t_params[name].grad)


@pytest.mark.parametrize("where", ["shortlist", "clusters", "mixed"])
def test_predict_matches_torch(where):
    e, t = _pair(8, 20, [4, 10], head_bias=True)
    # steer the head through its bias: every row picks a shortlist class, or a cluster, or some of each
    bias = {"shortlist": [30.0] * 4 + [-30.0] * 2, "clusters": [-30.0] * 4 + [30.0] * 2, "mixed": [0.0] * 6}[where]
    with torch.no_grad():
        t.head.bias.copy_(torch.tensor(bias))
        t.head.weight.mul_(4)
    copy_weights(e, t)
    x = randn(40, 8, seed=2)
    pe, pt = e.predict(ember.tensor(x)), t.predict(torch.tensor(x))
    assert_close(pe, pt)
    in_head = (torch.argmax(t.head(torch.tensor(x)), 1) < 4).numpy()
    assert {"shortlist": in_head.all(), "clusters": not in_head.any(), "mixed": 0 < in_head.mean() < 1}[where]
    assert_close(pe, e.log_prob(ember.tensor(x)).argmax(1))


@pytest.mark.parametrize("config", CONFIGS)
def test_repr_and_state_dict(config):
    in_f, n, cutoffs, div, bias = config
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(in_f, n, cutoffs, div_value=div, head_bias=bias)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(in_f, n, cutoffs, div_value=div, head_bias=bias)
    assert repr(e) == repr(t)
    assert {k: tuple(v.shape) for k, v in e.state_dict().items()} == \
           {k: tuple(v.shape) for k, v in t.state_dict().items()}
    for attr in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters",
                 "head_size"):
        assert getattr(e, attr) == getattr(t, attr), attr


def test_reset_parameters_redraws():
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10])
    before = {k: v.clone() for k, v in e.state_dict().items()}
    e.reset_parameters()
    assert all(not np.allclose(before[k].numpy(), v.numpy()) for k, v in e.state_dict().items() if v.numel())


@pytest.mark.parametrize("cutoffs", [[], [4, 2], [10], [0], [2.5], [3, 3]])
def test_bad_cutoffs(cutoffs):
    same_error(lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs))


@pytest.mark.parametrize("case", ["too_big", "negative", "batch_size", "target_rank", "scalar_target",
                                  "input_rank", "features"])
def test_forward_errors(case):
    x, target = randn(3, 8), np.array([0, 1, 2])
    if case == "too_big":
        target = np.array([0, 1, 10])
    elif case == "negative":
        target = np.array([0, -1, 1])
    elif case == "batch_size":
        target = np.array([0, 1])
    elif case == "target_rank":
        target = target[None]
    elif case == "scalar_target":
        target = np.array(1)
    elif case == "input_rank":
        x, target = x[None, :1], target[:1]
    elif case == "features":
        x = randn(3, 7)

    def run(lib):
        lib.manual_seed(0)
        return lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).double()(lib.tensor(x), lib.tensor(target))

    same_error(run)
