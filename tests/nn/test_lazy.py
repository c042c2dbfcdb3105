"""Lazy modules against PyTorch: the printed module before and after the first forward, the class it becomes, the
initial parameters drawn from the same seed (ember's random streams are PyTorch's), outputs and gradients, and
loading a state_dict into a module that has not run yet."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

CASES = [
    ("LazyLinear", (4,), {}, (2, 3)), ("LazyLinear", (2,), {"bias": False}, (5, 2, 7)),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 3, 8)), ("LazyConv2d", (5, 3), {"stride": 2}, (2, 3, 7, 7)),
    ("LazyConv2d", (4, 3), {"groups": 2, "bias": False}, (1, 6, 5, 5)), ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (3, 2), {"stride": 2}, (2, 4, 5)), ("LazyConvTranspose2d", (4, 3), {}, (1, 2, 4, 4)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 2, 3, 2)), ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (2, 3, 4, 4)), ("LazyBatchNorm3d", (), {"affine": False}, (2, 2, 3, 3, 3)),
    ("LazyInstanceNorm1d", (), {"affine": True}, (2, 3, 6)), ("LazyInstanceNorm2d", (), {"track_running_stats": True},
                                                                (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {"affine": True}, (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CASES)
def test_lazy_module_becomes_its_eager_twin(name, args, kwargs, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    results = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        module = getattr(lib.nn, name)(*args, **kwargs)
        before = repr(module)
        inp = lib.tensor(x, requires_grad=True)
        out = module(inp)
        out.sum().backward()
        results.append((before, repr(module), type(module).__name__, out, inp.grad,
                        {k: v for k, v in module.state_dict().items()},
                        {k: p.grad for k, p in module.named_parameters()}))
    (eb, ea, ec, eo, eg, es, epg), (tb, ta, tc, to, tg, ts, tpg) = results
    assert (eb, ea, ec) == (tb, ta, tc)
    assert_close(eo, to)
    assert_close(eg, tg)
    assert es.keys() == ts.keys()
    for k in es:
        assert_close(es[k], ts[k])
        if k in epg:
            assert_close(epg[k], tpg[k])


@pytest.mark.parametrize("name, args, eager", [("LazyLinear", (3,), ("Linear", (7, 3))),
                                               ("LazyConv2d", (4, 3), ("Conv2d", (2, 4, 3))),
                                               ("LazyBatchNorm1d", (), ("BatchNorm1d", (5,)))])
def test_loading_a_state_dict_sizes_the_module(name, args, eager):
    source = getattr(ember.nn, eager[0])(*eager[1])
    lazy = getattr(ember.nn, name)(*args)
    assert str(lazy.load_state_dict(source.state_dict())) == "<All keys matched successfully>"
    x = ember.randn(2, *([7] if name == "LazyLinear" else [2, 5, 5] if name == "LazyConv2d" else [5]))
    lazy.eval(), source.eval()
    assert_close(lazy(x), source(x))
    assert type(lazy).__name__ == eager[0]


def test_uninitialized_parameter_prints_and_materializes():
    p = ember.nn.UninitializedParameter()
    assert repr(p) == repr(torch.nn.UninitializedParameter())
    p.materialize((2, 3))
    assert type(p) is ember.nn.Parameter and p.shape == (2, 3) and p.requires_grad
