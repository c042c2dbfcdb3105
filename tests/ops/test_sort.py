"""sort, argsort and topk against PyTorch: values, indices (stable ties), gradients, named results."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, randn

TIES = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 0.0, -1.0, 5.0], [2.0, 2.0, 2.0, 2.0]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort(dim, descending):
    check(lambda m, x: tuple(x.sort(dim, descending=descending)), randn(3, 4, 5))
    check(lambda m, x: tuple(m.sort(x, dim=dim, descending=descending, stable=True)), TIES[:, :3] if dim == 0 else TIES)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float32"])
def test_argsort(dtype, descending):
    data = (TIES * 3).astype(dtype) if dtype != "uint8" else np.abs(TIES * 3).astype(dtype)
    assert_close(ember.argsort(ember.tensor(data), descending=descending, stable=True),
                 torch.argsort(torch.tensor(data), descending=descending, stable=True))


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k, dim", [(1, -1), (2, 1), (3, 0), (0, 1)])
def test_topk(k, dim, largest):
    check(lambda m, x: tuple(x.topk(k, dim, largest=largest)), randn(3, 4))


def test_named_results_and_errors():
    r, t = ember.tensor([[2.0, 1.0]]).sort(), torch.tensor([[2.0, 1.0]]).sort()
    assert repr(r) == repr(t).replace("torch", "ember")
    assert repr(ember.tensor([1.0, 3.0]).topk(1)) == repr(torch.tensor([1.0, 3.0]).topk(1)).replace("torch", "ember")
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        ember.ones(3).topk(4)


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True}, {"dim": 0, "return_inverse": True},
                                    {"dim": 1, "return_counts": True}], ids=str)
def test_unique(kwargs):
    data = np.array([[3, 1, 3], [3, 1, 3], [1, 2, 1]])
    for dtype in (np.int64, np.float32):
        e = ember.unique(ember.tensor(data.astype(dtype)), **kwargs)
        t = torch.unique(torch.tensor(data.astype(dtype)), **kwargs)
        for a, b in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
            assert_close(a, b)
    assert ember.tensor([2, 2, 1]).unique().tolist() == [1, 2]
