"""nn.DataParallel on the CPU against PyTorch (CPU-only torch behaves the same way): the ``module.`` prefix in
state_dict keys, pass-through forward, repr, checkpoints moving between wrapped and bare models; DDP refused."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close


def affine(lib):
    class Affine(lib.nn.Module):
        def __init__(self, in_features=2, out_features=3):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.ones(out_features, in_features) * 0.5)
            self.register_buffer("count", lib.zeros(1))

        def forward(self, x, shift=0.0):
            return x @ self.weight.T + shift

    return Affine


def wrapped(lib):
    Affine = affine(lib)
    inner = lib.nn.Sequential(Affine(), lib.nn.DataParallel(lib.nn.Sequential(Affine(3, 3))))
    return lib.nn.DataParallel(inner, device_ids=None)


def test_state_dict_keys_and_repr_match_torch():
    e, t = wrapped(ember), wrapped(torch)
    assert list(e.state_dict()) == list(t.state_dict())
    assert list(e.state_dict())[0] == "module.0.weight"
    assert repr(e) == repr(t)
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert e.device_ids == t.device_ids == []


def test_forward_passes_args_and_kwargs():
    x = np.arange(4.0).reshape(2, 2).astype(np.float32)
    for lib in (ember, torch):
        m = lib.nn.DataParallel(affine(lib)())
        assert m.module.__class__.__name__ == "Affine"
        out = m(lib.tensor(x), shift=1.0)
        assert out.tolist() == [[1.5, 1.5, 1.5], [3.5, 3.5, 3.5]]


def test_gradients_flow_through_wrapper():
    m = ember.nn.DataParallel(affine(ember)())
    m(ember.ones(4, 2)).sum().backward()
    assert m.module.weight.grad.tolist() == [[4.0, 4.0]] * 3


def test_checkpoint_between_wrapped_and_bare():
    t = wrapped(torch)
    e = wrapped(ember)
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_()
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    bare = ember.nn.Sequential(affine(ember)(), ember.nn.DataParallel(ember.nn.Sequential(affine(ember)(3, 3))))
    bare.load_state_dict({k[len("module."):]: v for k, v in e.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    assert_close(e(ember.tensor(x)), t(torch.tensor(x)))
    assert_close(bare(ember.tensor(x)), t(torch.tensor(x)))


def test_data_parallel_function_runs_module():
    m = affine(ember)()
    out = ember.nn.parallel.data_parallel(m, ember.ones(1, 2), module_kwargs={"shift": 2.0})
    assert out.tolist() == [[3.0, 3.0, 3.0]]
    assert ember.nn.parallel.data_parallel(m, (ember.ones(1, 2),)).tolist() == [[1.0, 1.0, 1.0]]


def test_namespace_matches_torch():
    assert ember.nn.DataParallel is ember.nn.parallel.DataParallel
    assert hasattr(ember.nn.parallel, "DistributedDataParallel")
    assert not hasattr(ember.nn, "data_parallel") and not hasattr(torch.nn, "data_parallel")


def test_distributed_data_parallel_needs_a_process_group_as_in_torch():
    with pytest.raises(ValueError) as expected:
        torch.nn.parallel.DistributedDataParallel(affine(torch)())
    with pytest.raises(ValueError) as got:
        ember.nn.parallel.DistributedDataParallel(affine(ember)())
    assert str(got.value) == str(expected.value)
