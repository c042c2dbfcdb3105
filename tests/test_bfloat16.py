"""bfloat16 against PyTorch: the dtype's facts and promotion, conversion bits (ties, overflow, NaN), ops computed in
float32 and rounded once (bit-exact elementwise, within an ulp for reductions and products), printing, autograd
through a small network, optimizer steps, in-place ops, and checkpoints both ways."""
import io

import numpy as np
import pytest
import torch

import ember

ml_dtypes = pytest.importorskip("ml_dtypes")


def _bits(x) -> np.ndarray:
    """The raw 16-bit patterns of a bfloat16 tensor of either library."""
    if isinstance(x, torch.Tensor):
        return x.detach().view(torch.int16).numpy()
    return x.detach()._data.view(np.int16)


def _values(rng, shape, scale=3.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _pair(array: np.ndarray, requires_grad: bool = False):
    e = ember.tensor(array).to(ember.bfloat16)
    t = torch.tensor(array).to(torch.bfloat16)
    return e.requires_grad_(requires_grad), t.requires_grad_(requires_grad)


def _close(e, t, ulps: float = 1.0) -> None:
    """Values within ``ulps`` bfloat16 units in the last place of PyTorch's (relative to each value's magnitude)."""
    assert e.dtype == ember.bfloat16 and t.dtype == torch.bfloat16
    a, b = e.detach().float().numpy(), t.detach().float().numpy()
    np.testing.assert_allclose(a, b, rtol=ulps * 2.0 ** -7, atol=ulps * 2.0 ** -7 * (np.abs(b).max() + 1e-30))


def test_dtype_facts_match_torch():
    assert repr(ember.bfloat16) == "ember.bfloat16" and ember.bfloat16.itemsize == 2
    assert ember.bfloat16.is_floating_point and not ember.bfloat16.is_complex and ember.bfloat16.is_signed
    e, t = ember.finfo(ember.bfloat16), torch.finfo(torch.bfloat16)
    assert (e.bits, e.eps, e.max, e.min, e.tiny, e.resolution) == (t.bits, t.eps, t.max, t.min, t.tiny, t.resolution)
    x = ember.zeros(3, dtype=ember.bfloat16)
    assert x.element_size() == 2 and x.is_floating_point() and x.dtype is ember.bfloat16


@pytest.mark.parametrize("other", ["float16", "float32", "float64", "int64", "uint8", "bool"])
def test_promotion_matches_torch(other):
    assert repr(ember.promote_types(ember.bfloat16, getattr(ember, other))).split(".")[1] == \
        repr(torch.promote_types(torch.bfloat16, getattr(torch, other))).split(".")[1]
    e = ember.ones(2, dtype=ember.bfloat16) + ember.ones(2, dtype=getattr(ember, other))
    t = torch.ones(2, dtype=torch.bfloat16) + torch.ones(2, dtype=getattr(torch, other))
    assert repr(e.dtype).split(".")[1] == repr(t.dtype).split(".")[1]


def test_numbers_and_zero_dim_tensors_keep_bfloat16():
    x = ember.ones(3, dtype=ember.bfloat16)
    assert (x * 2.5).dtype is ember.bfloat16 and (x + 1).dtype is ember.bfloat16
    assert (x + ember.tensor(1.5)).dtype is ember.bfloat16  # a 0-d float32 tensor beside a dimensioned one
    assert (ember.tensor(1.5, dtype=ember.bfloat16) + ember.tensor(2.0)).dtype is ember.float32


def test_conversion_bits_match_torch():
    rng = np.random.default_rng(0)
    values = np.concatenate([_values(rng, 2000, 100.0), np.array(
        [np.inf, -np.inf, np.nan, 0.0, -0.0, 3.4e38, -3.4e38, 1e-40, 1.00390625, 1.01171875, 65504.0], np.float32)])
    values[:200] = (rng.integers(-2**15, 2**15, 200) * 65536 + 32768).astype(np.int32).view(np.float32)  # ties
    values = values[np.isfinite(values) | ~np.isnan(values)]
    e, t = _pair(values)
    finite = ~np.isnan(values)
    assert (_bits(e)[finite] == _bits(t)[finite]).all() and np.isnan(e.float().numpy()[~finite]).all()
    for target in ("float32", "float64", "float16", "int32"):
        with np.errstate(invalid="ignore", over="ignore"):
            a = e[finite].to(getattr(ember, target)).numpy()
        b = t[finite].to(getattr(torch, target)).numpy()
        if target == "int32":
            ok = np.abs(values[finite]) < 2e9
            a, b = a[ok], b[ok]
        np.testing.assert_array_equal(a, b)


def test_creation_with_the_dtype():
    e = ember.tensor([[1.1, -2.7], [3.3, 1e-3]], dtype=ember.bfloat16)
    t = torch.tensor([[1.1, -2.7], [3.3, 1e-3]], dtype=torch.bfloat16)
    assert (_bits(e) == _bits(t)).all()
    for name in ("zeros", "ones"):
        assert (_bits(getattr(ember, name)(2, 3, dtype=ember.bfloat16)) ==
                _bits(getattr(torch, name)(2, 3, dtype=torch.bfloat16))).all()
    assert (_bits(ember.full((2,), 0.1, dtype=ember.bfloat16)) == _bits(torch.full((2,), 0.1, dtype=torch.bfloat16))).all()
    assert (_bits(ember.arange(0, 3, 0.5, dtype=ember.bfloat16)) ==
            _bits(torch.arange(0, 3, 0.5, dtype=torch.bfloat16))).all()


ELEMENTWISE = [
    lambda m, a, b: a + b, lambda m, a, b: a - b, lambda m, a, b: a * b, lambda m, a, b: a / b,
    lambda m, a, b: -a, lambda m, a, b: a * 0.1, lambda m, a, b: a + 1, lambda m, a, b: a.abs().sqrt(),
    lambda m, a, b: a.exp(), lambda m, a, b: a.abs().log(), lambda m, a, b: a.tanh(), lambda m, a, b: a.sigmoid(),
    lambda m, a, b: a.relu(), lambda m, a, b: m.maximum(a, b), lambda m, a, b: a.clamp(-1, 1),
    lambda m, a, b: m.where(a > b, a, b), lambda m, a, b: a ** 2,
]


@pytest.mark.parametrize("index", range(len(ELEMENTWISE)))
def test_elementwise_ops_give_torch_bits(index):
    rng = np.random.default_rng(index)
    (ea, ta), (eb, tb) = _pair(_values(rng, (5, 7))), _pair(_values(rng, (5, 7)))
    e, t = ELEMENTWISE[index](ember, ea, eb), ELEMENTWISE[index](torch, ta, tb)
    assert e.dtype is ember.bfloat16
    np.testing.assert_array_equal(_bits(e), _bits(t))


REDUCTIONS_AND_PRODUCTS = [
    lambda m, a, b: a.sum(), lambda m, a, b: a.mean(1), lambda m, a, b: a.max(0).values, lambda m, a, b: a.var(1),
    lambda m, a, b: a.softmax(-1), lambda m, a, b: a.log_softmax(0), lambda m, a, b: a @ b.T,
    lambda m, a, b: m.nn.functional.linear(a, b), lambda m, a, b: m.cat([a, b]).cumsum(0),
    lambda m, a, b: m.nn.functional.layer_norm(a, (7,)), lambda m, a, b: a.norm(dim=1),
    lambda m, a, b: m.nn.functional.gelu(a),  # PyTorch's float32 erf may differ in the last bit
    lambda m, a, b: a.add(b, alpha=0.3),  # PyTorch fuses the product into the sum (an FMA)
]


@pytest.mark.parametrize("index", range(len(REDUCTIONS_AND_PRODUCTS)))
def test_reductions_and_products_accumulate_in_float32(index):
    rng = np.random.default_rng(index)
    (ea, ta), (eb, tb) = _pair(_values(rng, (6, 7))), _pair(_values(rng, (6, 7)))
    _close(REDUCTIONS_AND_PRODUCTS[index](ember, ea, eb), REDUCTIONS_AND_PRODUCTS[index](torch, ta, tb))


def test_conv2d_and_pooling():
    rng = np.random.default_rng(1)
    (ex, tx), (ew, tw) = _pair(_values(rng, (2, 3, 8, 8))), _pair(_values(rng, (4, 3, 3, 3), 0.3))
    e = ember.nn.functional.max_pool2d(ember.nn.functional.conv2d(ex, ew, padding=1), 2)
    t = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, padding=1), 2)
    _close(e, t)


def test_printing_matches_torch():
    values = np.array([[1.1, -2.7, 3.3e-3], [150.0, 0.0, -1e5]], np.float32)
    e, t = _pair(values, requires_grad=True)
    assert repr(e * 1).replace("ember.", "torch.").replace("MulBackward0", "MulBackward0") == repr(t * 1)
    assert str(e[0, 0]) == str(t[0, 0]).replace("torch.", "ember.")
    assert e[0, 0].item() == t[0, 0].item() and e.tolist() == t.tolist()


def _network(lib, state=None):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))
    if state is not None:
        net.load_state_dict(state)
    return net.to(lib.bfloat16)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_training_steps_track_torch(optimizer):
    rng = np.random.default_rng(2)
    state = {k: ember.tensor(v.numpy()) for k, v in _network(torch).float().state_dict().items()}
    nets = _network(ember, state), _network(torch)
    x, target = _values(rng, (10, 8), 1.0), rng.integers(0, 3, 10)
    opts = [getattr(lib.optim, optimizer)(net.parameters(), lr=0.01) for lib, net in zip((ember, torch), nets)]
    for _ in range(3):
        losses = []
        for lib, net, opt in zip((ember, torch), nets, opts):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(net(lib.tensor(x).to(lib.bfloat16)), lib.tensor(target))
            loss.backward()
            losses.append(loss)
            opt.step()
        assert losses[0].dtype is ember.bfloat16
        _close(losses[0], losses[1], ulps=2)
        for (name, p), (_, q) in zip(nets[0].named_parameters(), nets[1].named_parameters()):
            assert p.grad.dtype is ember.bfloat16, name
            _close(p.grad, q.grad, ulps=4)
            _close(p, q, ulps=2)


def test_in_place_ops_round_into_the_storage():
    rng = np.random.default_rng(3)
    (ea, ta), (eb, tb) = _pair(_values(rng, (4, 5))), _pair(_values(rng, (4, 5)))
    ea.add_(eb).mul_(1.7)
    ta.add_(tb).mul_(1.7)
    rows = _values(rng, (2, 5))
    ea[1:3] = ember.tensor(rows)
    ta[1:3] = torch.tensor(rows)
    np.testing.assert_array_equal(_bits(ea), _bits(ta))
    assert ea.dtype is ember.bfloat16


def test_views_and_joins_keep_the_bits():
    rng = np.random.default_rng(4)
    ea, ta = _pair(_values(rng, (4, 6)))
    for fn in (lambda m, a: a.T.reshape(-1), lambda m, a: a[::2, 1:], lambda m, a: m.stack([a, a]),
               lambda m, a: a.flip(0), lambda m, a: a.repeat(2, 1)):
        np.testing.assert_array_equal(_bits(fn(ember, ea)), _bits(fn(torch, ta)))


def test_checkpoints_travel_both_ways():
    rng = np.random.default_rng(5)
    ea, ta = _pair(_values(rng, (3, 4)))
    buffer = io.BytesIO()
    ember.save({"w": ea}, buffer)
    loaded = torch.load(io.BytesIO(buffer.getvalue()))["w"]
    assert loaded.dtype == torch.bfloat16 and (_bits(loaded) == _bits(ta)).all()
    buffer = io.BytesIO()
    torch.save({"w": ta}, buffer)
    back = ember.load(io.BytesIO(buffer.getvalue()))["w"]
    assert back.dtype is ember.bfloat16 and (_bits(back) == _bits(ea)).all()


def test_numpy_refuses_bfloat16_as_torch_does():
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        ember.ones(2, dtype=ember.bfloat16).numpy()
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        torch.ones(2, dtype=torch.bfloat16).numpy()


def test_cpu_autocast_runs_products_in_bfloat16_and_losses_in_float32():
    rng = np.random.default_rng(6)
    x, target = _values(rng, (4, 3, 8, 8), 1.0), rng.integers(0, 5, 4)
    state = None
    results = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(144, 5))
        if state is None:
            state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        net.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        with lib.autocast("cpu", dtype=lib.bfloat16):
            out = net(lib.tensor(x))
            loss = lib.nn.functional.cross_entropy(out, lib.tensor(target))
            with lib.autocast("cpu", enabled=False):
                plain = net[3](lib.ones(2, 144))
        loss.backward()
        results.append((out, loss, plain, net[0].weight.grad, (lib.ones(2, 3) @ lib.ones(3, 2)).dtype))
    (eo, el, ep, eg, e_after), (to, tl, tp, tg, t_after) = results
    assert eo.dtype is ember.bfloat16 and el.dtype is ember.float32 and ep.dtype is ember.float32
    assert eg.dtype is ember.float32 and e_after is ember.float32 and t_after is torch.float32
    _close(eo, to, ulps=2)
    np.testing.assert_allclose(el.item(), tl.item(), rtol=2e-2)
    np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=5e-2, atol=5e-2 * np.abs(tg.numpy()).max())


def test_random_draws_and_init_follow_torch_streams():
    draws = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        b = lib.bfloat16
        draws.append([lib.randn(5, dtype=b), lib.rand(5, dtype=b), lib.ones(5, dtype=b).uniform_(-2, 2),
                      lib.normal(0, 1, (5,), dtype=b), lib.randint(0, 9, (5,), dtype=b),
                      lib.nn.init.kaiming_uniform_(lib.empty(3, 4, dtype=b))])
    for e, t in zip(*draws):
        np.testing.assert_array_equal(_bits(e), _bits(t))


def test_legacy_names_and_type_strings():
    assert ember.BFloat16Tensor([1.5, 2]).dtype is ember.bfloat16
    assert isinstance(ember.ones(2, dtype=ember.bfloat16), ember.BFloat16Tensor)
    assert ember.ones(2, dtype=ember.bfloat16).type() == "ember.BFloat16Tensor"
    assert ember.ones(2).type(ember.bfloat16).dtype is ember.bfloat16


def test_double_backward_through_bfloat16_ops():
    # the op saved its float32 copy of a bfloat16 input: it must still be that input, with its history
    x = np.array([0.3, -1.7, 2.2], np.float32)
    results = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        b = t.to(lib.bfloat16)
        (g,) = lib.autograd.grad((b * b.tanh()).sum(), t, create_graph=True)
        g.sum().backward()
        results.append((g.detach().float().numpy(), t.grad.numpy()))
    # ember's backward is composed of bfloat16 ops that each round, where PyTorch fuses some (tanh_backward):
    # within a few ulps of the largest value
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2 ** -7, atol=2 ** -6 * np.abs(b).max())
