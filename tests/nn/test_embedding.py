"""Embedding, EmbeddingBag and F.one_hot against PyTorch: lookups, gradients (padding_idx, scale_grad_by_freq),
max_norm renormalisation, from_pretrained, reprs, grad_fn names and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check_module, copy_weights, randn

IDX = [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([[0, 2, 0, 5], [1, 1, 9, 0]]), np.array(7), np.array([[[3]]])]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("idx", IDX, ids=["1d", "2d", "0d", "3d"])
def test_embedding_matches_torch(idx, scale, padding_idx, dtype):
    kw = dict(padding_idx=padding_idx, scale_grad_by_freq=scale)
    e, t = ember.nn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **kw)
    if dtype == np.float64:
        e, t = e.double(), t.double()
    check_module(e, t, idx)


def test_embedding_int32_indices_and_grad_fn():
    e, t = ember.nn.Embedding(5, 2), torch.nn.Embedding(5, 2)
    copy_weights(e, t)
    idx = np.array([[1, 4], [0, 1]], dtype=np.int32)
    ye, yt = e(ember.tensor(idx)), t(torch.tensor(idx))
    assert_close(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name() == "EmbeddingBackward0"


def test_embedding_double_backward():
    results = []
    for lib in (ember, torch):
        w = lib.tensor(randn(6, 3), requires_grad=True)
        y = lib.nn.functional.embedding(lib.tensor(np.array([1, 1, 4])), w)
        (g,) = lib.autograd.grad((y ** 3).sum(), w, create_graph=True)
        results.append(lib.autograd.grad(g.sum(), w)[0])
    assert_close(*results)


def test_embedding_default_init_and_padding_row():
    ember.manual_seed(0)
    m = ember.nn.Embedding(1000, 16, padding_idx=3)
    w = m.weight.detach().numpy()
    assert w.dtype == np.float32 and w.shape == (1000, 16)
    assert np.all(w[3] == 0)
    assert abs(w.std() - 1) < 0.05 and abs(w.mean()) < 0.05
    assert ember.nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_max_norm_renormalises_looked_up_rows_in_place(norm_type):
    e = ember.nn.Embedding(6, 4, max_norm=1.0, norm_type=norm_type).double()
    t = torch.nn.Embedding(6, 4, max_norm=1.0, norm_type=norm_type).double()
    with torch.no_grad():  # entries of magnitude 1 to 2: every row's norm is above max_norm before the lookup
        t.weight.copy_((1 + torch.rand(6, 4, dtype=torch.float64)) * torch.randn(6, 4, dtype=torch.float64).sign())
    copy_weights(e, t)
    idx = np.array([[0, 2], [2, 5]])
    check_module(e, t, idx, copy=False)
    assert_close(e.weight, t.weight)
    norms = np.linalg.norm(e.weight.detach().numpy(), ord=norm_type, axis=1)
    assert np.all(norms[[0, 2, 5]] <= 1.0 + 1e-6) and np.all(norms[[1, 3, 4]] > 1.0)


def test_from_pretrained():
    table = ember.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    m = ember.nn.Embedding.from_pretrained(table)
    assert not m.weight.requires_grad
    np.testing.assert_allclose(m(ember.tensor([1])).numpy(), [[4.0, 5.1, 6.3]])
    assert ember.nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    m = ember.nn.Embedding.from_pretrained(table, padding_idx=0)
    assert m.padding_idx == 0 and repr(m) == "Embedding(2, 3, padding_idx=0)"
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        ember.nn.Embedding.from_pretrained(ember.randn(3))


@pytest.mark.parametrize("kwargs", [{}, dict(padding_idx=0), dict(padding_idx=-1), dict(max_norm=1.0),
                                    dict(max_norm=2, norm_type=1.0, scale_grad_by_freq=True, sparse=True)])
def test_embedding_repr_and_state_dict(kwargs):
    e, t = ember.nn.Embedding(10, 3, **kwargs), torch.nn.Embedding(10, 3, **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]


def test_embedding_errors():
    m = ember.nn.Embedding(5, 3)
    for bad in ([5], [-1]):
        with pytest.raises(IndexError, match=r"^index out of range in self"):
            m(ember.tensor(bad))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int"):
        m(ember.tensor([1.0]))
    for bad in (5, -6):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            ember.nn.Embedding(5, 3, padding_idx=bad)
    with pytest.raises(NotImplementedError, match="sparse"):
        ember.nn.Embedding(5, 3, sparse=True)(ember.tensor([1]))


BAG_CASES = [
    ("2d", np.array([[1, 2, 4], [4, 3, 2]]), None, None),
    ("offsets", np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 6]), None),
    ("weights", np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 5]), randn(8, seed=3)),
]


@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("case,mode", [(c, m) for c in BAG_CASES for m in ("sum", "mean", "max")
                                       if c[3] is None or m == "sum"],  # per_sample_weights: mode='sum' only
                         ids=lambda v: v if isinstance(v, str) else v[0])
def test_embedding_bag_matches_torch(case, mode, padding_idx):
    _, idx, offsets, psw = case
    e = ember.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx).double()
    t = torch.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx).double()
    inputs = [idx] + ([offsets] if offsets is not None else []) + ([psw] if psw is not None else [])
    out = check_module(e, t, *inputs)
    assert out[0].grad_fn.name() == "EmbeddingBagBackward0"


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_include_last_offset(mode):
    kw = dict(mode=mode, include_last_offset=True)
    e, t = ember.nn.EmbeddingBag(10, 4, **kw).double(), torch.nn.EmbeddingBag(10, 4, **kw).double()
    check_module(e, t, np.array([1, 2, 2, 5, 4, 2, 2, 9]), np.array([0, 2, 5, 8]))


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    """Each row's gradient is divided by its index's count in the batch. Checked by hand: PyTorch 2.13's CPU kernel
    divides by the wrong count when a once-seen index sorts after a repeated one (pytorch/pytorch#190063)."""
    w = ember.ones(10, 1, requires_grad=True)
    idx, offsets = ember.tensor([1, 2, 2, 5, 4, 2, 2, 9]), ember.tensor([0, 2, 5])
    ember.nn.functional.embedding_bag(idx, w, offsets, mode=mode, scale_grad_by_freq=True).sum().backward()
    bag_size = np.array([2, 3, 3]) if mode == "mean" else np.ones(3)
    per_lookup = 1 / bag_size[[0, 0, 1, 1, 1, 2, 2, 2]]
    counts = np.bincount(idx.numpy(), minlength=10)
    expected = np.zeros(10)
    np.add.at(expected, idx.numpy(), per_lookup / counts[idx.numpy()])
    np.testing.assert_allclose(w.grad.numpy()[:, 0], expected, rtol=1e-6)


def test_embedding_bag_repr_and_errors():
    for kwargs in [{}, dict(mode="max", padding_idx=1), dict(max_norm=1.0, norm_type=1.0, mode="sum")]:
        assert repr(ember.nn.EmbeddingBag(5, 3, **kwargs)) == repr(torch.nn.EmbeddingBag(5, 3, **kwargs))
    F = ember.nn.functional
    w = ember.randn(5, 3)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(ember.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(ember.tensor([[1, 2]]), w, ember.tensor([0]))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(ember.tensor([[1, 2]]), w, per_sample_weights=ember.randn(1, 2))
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        ember.nn.EmbeddingBag(5, 3, padding_idx=7)
    frozen = ember.nn.EmbeddingBag.from_pretrained(w, mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"


@pytest.mark.parametrize("values,num_classes", [([1, 2, 0], -1), ([[0, 3], [2, 1]], 5), ([], 3), (2, -1)])
def test_one_hot_matches_torch(values, num_classes):
    e = ember.nn.functional.one_hot(ember.tensor(values, dtype=ember.int64), num_classes)
    t = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.int64), num_classes)
    assert_close(e, t)
    assert e.dtype == ember.int64


def test_one_hot_errors():
    F = ember.nn.functional
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor"):
        F.one_hot(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor"):
        F.one_hot(ember.tensor([], dtype=ember.int64))
