"""Normalization layers against PyTorch: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm,
LocalResponseNorm and their functional forms: values, every gradient, running statistics, reprs, state_dict,
grad_fn names and error messages."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, check_module, randn

E_DT = {np.float64: ember.float64, np.float32: ember.float32}
T_DT = {np.float64: torch.float64, np.float32: torch.float32}
DTYPES = [np.float64, np.float32]


def pair(name, *args, dtype=np.float64, randomize=True, **kwargs):
    """The same layer built in ember and torch (torch's affine parameters randomised; copied by check_module)."""
    e = getattr(ember.nn, name)(*args, dtype=E_DT[dtype], **kwargs)
    t = getattr(torch.nn, name)(*args, dtype=T_DT[dtype], **kwargs)
    if randomize:
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for p in t.parameters():
                p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) + 0.5)
    return e, t


def sync(e, t) -> None:
    """Copy torch's parameters and buffers into the ember layer."""
    e.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items()})


def assert_buffers_equal(e, t, dtype) -> None:
    t_bufs = dict(t.named_buffers())
    e_bufs = dict(e.named_buffers())
    assert sorted(e_bufs) == sorted(t_bufs)
    for name, b in t_bufs.items():
        assert_close(e_bufs[name], b, dtype=np.dtype(dtype))


# -- batch norm -------------------------------------------------------------------------------------------------

BN_SHAPES = {"BatchNorm1d": [(6, 3), (4, 3, 5)], "BatchNorm2d": [(4, 3, 5, 2)], "BatchNorm3d": [(2, 3, 2, 3, 2)]}
BN_CASES = [(name, shape) for name, shapes in BN_SHAPES.items() for shape in shapes]
BN_ARGS = [dict(), dict(affine=False), dict(bias=False), dict(momentum=None), dict(eps=1e-3, momentum=0.3),
           dict(track_running_stats=False)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", BN_ARGS, ids=str)
@pytest.mark.parametrize("name,shape", BN_CASES)
def test_batchnorm_train_matches_torch(name, shape, kwargs, dtype):
    e, t = pair(name, 3, dtype=dtype, **kwargs)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "NativeBatchNormBackward0"
    assert_buffers_equal(e, t, dtype)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (5, 3)), ("BatchNorm2d", (4, 3, 3, 2))])
def test_batchnorm_running_stats_over_steps_then_eval(name, shape, momentum):
    e, t = pair(name, 3, momentum=momentum, dtype=np.float32)
    sync(e, t)
    for step in range(4):
        x = randn(*shape, dtype=np.float32, seed=step) * (step + 1) + step
        e(ember.tensor(x))
        t(torch.tensor(x))
        assert_buffers_equal(e, t, np.float32)
    assert int(e.num_batches_tracked) == 4 and e.num_batches_tracked.dtype == ember.int64
    e.eval()
    t.eval()
    check_module(e, t, randn(*shape, dtype=np.float32, seed=9), copy=False)
    assert_buffers_equal(e, t, np.float32)  # eval leaves the statistics alone


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_eval_without_running_stats_uses_batch_stats(dtype):
    e, t = pair("BatchNorm2d", 3, track_running_stats=False, dtype=dtype)
    e.eval()
    t.eval()
    check_module(e, t, randn(4, 3, 2, 2, dtype=dtype))
    assert e.running_mean is None and e.num_batches_tracked is None


def test_batchnorm_eval_accepts_a_single_value_per_channel():
    e, t = pair("BatchNorm1d", 4)
    e.eval()
    t.eval()
    check_module(e, t, randn(1, 4))


@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=None, affine=False, track_running_stats=False),
                                    dict(eps=1e-3, bias=False)], ids=str)
@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
                                  "InstanceNorm3d"])
def test_norm_base_repr_and_state_dict_keys(name, kwargs):
    e, t = pair(name, 16, randomize=False, **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for key, value in t.state_dict().items():
        assert_close(e.state_dict()[key], value)


def test_batchnorm_dtype_conversion_keeps_the_counter_integer():
    m = ember.nn.BatchNorm1d(3).double()
    assert m.running_mean.dtype == ember.float64 and m.weight.dtype == ember.float64
    assert m.num_batches_tracked.dtype == ember.int64
    m(ember.randn(4, 3, dtype=ember.float64))
    assert int(m.num_batches_tracked) == 1


def test_batchnorm_repr_default():
    assert repr(ember.nn.BatchNorm2d(16)) == ("BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                              "track_running_stats=True)")


def test_batchnorm_loads_state_dict_without_num_batches_tracked():
    e = ember.nn.BatchNorm2d(3)
    e.num_batches_tracked.fill_(7)
    t = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        t.running_mean.uniform_()
    old = {k: ember.tensor(v.numpy().copy()) for k, v in t.state_dict().items() if k != "num_batches_tracked"}
    result = e.load_state_dict(old)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert int(e.num_batches_tracked) == 7
    assert_close(e.running_mean, t.running_mean)
    current = e.state_dict()
    del current["num_batches_tracked"]  # a checkpoint of the current version must be complete
    with pytest.raises(RuntimeError, match='Missing key.*"num_batches_tracked"'):
        ember.nn.BatchNorm2d(3).load_state_dict(current)


def test_instancenorm_rejects_old_running_stats_when_not_tracking():
    e = ember.nn.InstanceNorm2d(3)
    with pytest.raises(RuntimeError, match='Unexpected running stats buffer.*"running_mean"'):
        e.load_state_dict({"running_mean": ember.zeros(3), "running_var": ember.ones(3)})


@pytest.mark.parametrize("name,shape,message", [
    ("BatchNorm1d", (2, 4, 3, 3), "expected 2D or 3D input (got 4D input)"),
    ("BatchNorm2d", (2, 4, 3), "expected 4D input (got 3D input)"),
    ("BatchNorm3d", (2, 4, 3), "expected 5D input (got 3D input)"),
    ("BatchNorm1d", (1, 4), "Expected more than 1 value per channel when training, got input size"),
    ("BatchNorm1d", (1, 4, 1), "Expected more than 1 value per channel when training, got input size"),
    ("InstanceNorm1d", (2, 4, 3, 3), "expected 2D or 3D input (got 4D input)"),
    ("InstanceNorm2d", (2, 4, 3, 3, 3), "expected 3D or 4D input (got 5D input)"),
    ("InstanceNorm3d", (2, 4, 3), "expected 4D or 5D input (got 3D input)"),
    ("InstanceNorm1d", (2, 4, 1), "Expected more than 1 spatial element when training, got input size"),
])
def test_norm_base_bad_input(name, shape, message):
    errors = []
    for lib in (torch, ember):
        with pytest.raises(ValueError) as info:
            getattr(lib.nn, name)(4)(lib.zeros(*shape))
        errors.append(info.value)
    theirs, ours = errors
    assert message in str(ours)
    assert str(ours) == str(theirs).replace("torch", "ember")


def test_batchnorm_channel_mismatch_names_the_buffer():
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 5 elements not 4"):
        ember.nn.BatchNorm2d(4)(ember.zeros(3, 5, 2, 2))


def test_functional_batch_norm_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ember.zeros(2, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        F.batch_norm(ember.zeros(2, 3), None, None, ember.ones(4), training=True)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_batch_norm(training, dtype):
    rm, rv = randn(3, seed=5, dtype=dtype), np.abs(randn(3, seed=6, dtype=dtype)) + 0.5
    holders = {}

    def fn(lib, x, w, b):
        holders[lib.__name__] = (lib.tensor(rm.copy()), lib.tensor(rv.copy()))
        return lib.nn.functional.batch_norm(x, *holders[lib.__name__], w, b, training=training, momentum=0.2)

    check(fn, randn(5, 3, 4, dtype=dtype), randn(3, seed=1, dtype=dtype), randn(3, seed=2, dtype=dtype))
    for e, t in zip(holders["ember"], holders["torch"]):
        assert_close(e, t)


def test_running_stat_updates_bump_the_buffer_version():
    m = ember.nn.BatchNorm1d(3)
    before = m.running_mean._version
    m(ember.randn(4, 3))
    assert m.running_mean._version > before


@pytest.mark.parametrize("fn", ["batch_norm", "batch_norm_eval", "group_norm", "layer_norm"])
def test_double_backward(fn):
    def f(lib, x, w, b):
        F = lib.nn.functional
        if fn == "batch_norm":
            y = F.batch_norm(x, None, None, w, b, training=True)
        elif fn == "batch_norm_eval":
            y = F.batch_norm(x, lib.tensor([0.5, -1.0, 0.0], dtype=lib.float64),
                             lib.tensor([2.0, 0.5, 1.0], dtype=lib.float64), w, b)
        elif fn == "group_norm":
            y = F.group_norm(x, 3, w, b)
        else:
            y = F.layer_norm(x, (3, 2), w.reshape(3, 1).expand(3, 2), b.reshape(3, 1).expand(3, 2))
        return lib.autograd.grad((y ** 3).sum(), (x, w), create_graph=True)

    check(f, randn(4, 3, 2), randn(3, seed=1), randn(3, seed=2))


def test_seed_batchnorm2d_example():
    """Seed 002: BatchNorm2d(2, affine=True) starts with weight ones and bias zeros; affine=False has None."""
    m = ember.nn.BatchNorm2d(2, affine=True)
    assert repr(m.weight) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert repr(m.bias) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"
    x = ember.arange(1 * 2 * 3 * 4, dtype=ember.float).view(1, 2, 3, 4)
    out = m(x)
    expected = torch.nn.BatchNorm2d(2)(torch.arange(24, dtype=torch.float).view(1, 2, 3, 4))
    assert_close(out, expected)
    assert "grad_fn=<NativeBatchNormBackward0>" in repr(out)
    np.testing.assert_allclose(out.detach().numpy()[0, 0, 0], [-1.5933, -1.3036, -1.0139, -0.7242], atol=1e-4)
    m = ember.nn.BatchNorm2d(2, affine=False)
    assert m.weight is None and m.bias is None
    assert ember.nn.BatchNorm2d(100)(ember.randn(2, 100, 3, 3)).shape == (2, 100, 3, 3)


def test_seed_state_dict_names():
    """Seed 002: a BatchNorm2d holds weight, bias, running_mean, running_var, num_batches_tracked."""
    assert list(ember.nn.BatchNorm2d(12).state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                                          "num_batches_tracked"]
    stage = ember.nn.Sequential(ember.nn.ReLU(), ember.nn.BatchNorm2d(12))
    assert list(stage.state_dict()) == ["1.weight", "1.bias", "1.running_mean", "1.running_var",
                                        "1.num_batches_tracked"]


# -- instance norm ----------------------------------------------------------------------------------------------

IN_CASES = [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)), ("InstanceNorm2d", (2, 3, 4, 3)),
            ("InstanceNorm2d", (3, 4, 3)), ("InstanceNorm3d", (2, 3, 2, 3, 2))]
IN_ARGS = [dict(), dict(affine=True), dict(track_running_stats=True), dict(affine=True, track_running_stats=True,
                                                                           momentum=0.3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", IN_ARGS, ids=str)
@pytest.mark.parametrize("name,shape", IN_CASES)
def test_instancenorm_matches_torch(name, shape, kwargs, dtype):
    e, t = pair(name, 3, dtype=dtype, **kwargs)
    check_module(e, t, randn(*shape, dtype=dtype))
    assert_buffers_equal(e, t, dtype)
    if kwargs.get("track_running_stats"):
        e.eval()
        t.eval()
        check_module(e, t, randn(*shape, dtype=dtype, seed=3), copy=False)


def test_instancenorm_grad_fn_and_feature_checks():
    assert ember.nn.InstanceNorm2d(3)(ember.randn(2, 3, 4, 4, requires_grad=True)).grad_fn.name() == "ViewBackward0"
    with pytest.raises(ValueError, match=r"^expected input's size at dim=1 to match num_features \(3\), but got: 5\."):
        ember.nn.InstanceNorm1d(3, affine=True)(ember.randn(2, 5, 4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.nn.InstanceNorm1d(3)(ember.randn(2, 5, 4))
    assert any("does not match num_features" in str(w.message) for w in caught)


# -- layer, group, RMS and local response norm -------------------------------------------------------------------

LN_CASES = [((5,), (4, 5)), ((3, 4), (2, 3, 4)), (4, (2, 3, 4))]
LN_ARGS = [dict(), dict(elementwise_affine=False), dict(bias=False), dict(eps=1e-2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", LN_ARGS, ids=str)
@pytest.mark.parametrize("normalized_shape,shape", LN_CASES)
def test_layernorm_matches_torch(normalized_shape, shape, kwargs, dtype):
    e, t = pair("LayerNorm", normalized_shape, dtype=dtype, **kwargs)
    assert repr(e) == repr(t)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "NativeLayerNormBackward0"


GN_CASES = [(3, 6, (2, 6, 4)), (1, 4, (3, 4)), (2, 4, (2, 4, 3, 2)), (4, 4, (2, 4, 5))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [dict(), dict(affine=False), dict(bias=False, eps=1e-3)], ids=str)
@pytest.mark.parametrize("groups,channels,shape", GN_CASES)
def test_groupnorm_matches_torch(groups, channels, shape, kwargs, dtype):
    e, t = pair("GroupNorm", groups, channels, dtype=dtype, **kwargs)
    assert repr(e) == repr(t)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "NativeGroupNormBackward0"


def test_groupnorm_seed_example_and_errors():
    """Seed 002: GroupNorm(3, 6) separates 6 channels into 3 groups."""
    e, t = pair("GroupNorm", 3, 6)
    check_module(e, t, randn(20, 6, 10, 10))
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        ember.nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape \[2, 4, 3\] and "
                                           "num_groups=3"):
        ember.nn.functional.group_norm(ember.randn(2, 4, 3), 3)


@pytest.mark.parametrize("normalized_shape,shape", [((5,), (4, 5)), ((2, 3), (4, 2, 3))])
@pytest.mark.parametrize("kwargs", [dict(), dict(eps=1e-3), dict(elementwise_affine=False)], ids=str)
def test_rmsnorm_matches_torch(normalized_shape, shape, kwargs):
    e, t = pair("RMSNorm", normalized_shape, **kwargs)
    assert repr(e) == repr(t)
    check_module(e, t, randn(*shape))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size,shape", [(2, (2, 5, 3)), (3, (2, 6, 3, 2)), (5, (1, 4, 2, 2, 2)), (1, (2, 3, 4))])
def test_local_response_norm_matches_torch(size, shape, dtype):
    e = ember.nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=2.0)
    t = torch.nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=2.0)
    assert repr(e) == repr(t)
    out = check_module(e, t, randn(*shape, dtype=dtype))
    assert out[0].grad_fn.name() == "DivBackward0"


def test_local_response_norm_bad_input():
    with pytest.raises(ValueError, match=r"^Expected 3D or higher dimensionality .*input \(got 2 dimensions\)"):
        ember.nn.LocalResponseNorm(2)(ember.randn(3, 4))


@pytest.mark.parametrize("normalized_shape,shape,message", [
    ((5,), (2, 4), r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], but got input of size\[2, 4\]"),
    ((2, 5), (2, 4, 5), r"Given normalized_shape=\[2, 5\], expected input with shape \[\*, 2, 5\]"),
])
def test_layernorm_bad_input(normalized_shape, shape, message):
    layer = ember.nn.LayerNorm(normalized_shape)
    with pytest.raises(RuntimeError, match=f"^{message}") as info:
        layer(ember.randn(*shape))
    assert info.value.__notes__ == [f"in LayerNorm = {layer!r} called with input of shape {shape}"]


def test_functional_forms_match_torch():
    x = randn(4, 6, 3)
    check(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (6, 3), w, b), x, randn(6, 3, seed=1),
          randn(6, 3, seed=2))
    check(lambda lib, x, b: lib.nn.functional.layer_norm(x, [3], None, b), x, randn(3, seed=2))
    check(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b, 1e-3), x, randn(6, seed=1), randn(6, seed=2))
    check(lambda lib, x, w: lib.nn.functional.instance_norm(x, weight=w), x, randn(6, seed=1))
    check(lambda lib, x: lib.nn.functional.local_response_norm(x, 3, 1e-2, 0.5, 1.5), x)
    check(lambda lib, x, w: lib.nn.functional.rms_norm(x, [3], w, 1e-4), x, randn(3, seed=1))
    check(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True, eps=1e-2), x, noncontiguous=True)


@pytest.mark.parametrize("fn", ["batch_norm", "layer_norm", "group_norm"])
def test_float32_statistics_as_accurate_as_torch_with_a_large_offset(fn):
    """Mean 100, std 0.1 in float32: the distance to the float64 answer is no worse than torch's."""
    x = (randn(16, 4, 30, 30, dtype=np.float64) * 0.1 + 100).astype(np.float32)
    dims = {"batch_norm": (0, 2, 3), "layer_norm": (3,), "group_norm": (1, 2, 3)}[fn]
    calls = {"batch_norm": lambda F, t: F.batch_norm(t, None, None, training=True),
             "layer_norm": lambda F, t: F.layer_norm(t, (30,)),
             "group_norm": lambda F, t: F.group_norm(t, 1)}[fn]
    x64 = x.astype(np.float64)
    ref = (x64 - x64.mean(dims, keepdims=True)) / np.sqrt(x64.var(dims, keepdims=True) + 1e-5)
    e_err = np.abs(calls(ember.nn.functional, ember.tensor(x)).numpy() - ref).max()
    t_err = np.abs(calls(torch.nn.functional, torch.tensor(x)).numpy() - ref).max()
    assert e_err <= 1.5 * t_err + 1e-6


@pytest.mark.parametrize("name,args,kwargs,shape,training", [
    ("BatchNorm2d", (5,), dict(), (5, 5, 3, 2), True),
    ("BatchNorm2d", (5,), dict(), (5, 5, 3, 2), False),
    ("BatchNorm1d", (3,), dict(affine=False), (7, 3), True),
    ("LayerNorm", ((3, 4),), dict(), (5, 2, 3, 4), True),
    ("LayerNorm", (4,), dict(elementwise_affine=False), (7, 4), True),
    ("GroupNorm", (2, 6), dict(), (5, 6, 3), True),
    ("GroupNorm", (3, 6), dict(affine=False), (3, 6, 2, 2), True),
], ids=str)
def test_threaded_blocks_match_torch(monkeypatch, name, args, kwargs, shape, training):
    """Big inputs are split over blocks of samples (rows) in threads; force that path on small, uneven inputs."""
    from ember.ops.kernels import norm_numpy as _norm_kernels

    monkeypatch.setattr(_norm_kernels, "_PARALLEL_MIN_SIZE", 0)
    e, t = pair(name, *args, dtype=np.float32, **kwargs)
    e.train(training)
    t.train(training)
    check_module(e, t, randn(*shape, dtype=np.float32))
    assert_buffers_equal(e, t, np.float32)
