"""PyTorch's legacy typed constructors, ``asarray`` and ``frombuffer`` (``ember/ops/constructors.py``) against
PyTorch."""
import array

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, same_error

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_legacy_constructors_match_torch(name):
    e_cls, t_cls = getattr(ember, name), getattr(torch, name)
    for args in [([1, 0, 3],), ([[1.5, 2.0], [0.0, 3.0]],), (np.arange(4.0),), ()]:
        assert_close(e_cls(*args), t_cls(*args))
    for sizes in [(2, 3), (ember.Size([4]),), (0,)]:
        t_sizes = tuple(torch.Size(s) if isinstance(s, ember.Size) else s for s in sizes)
        e, t = e_cls(*sizes), t_cls(*t_sizes)
        assert tuple(e.shape) == tuple(t.shape) and e.dtype == getattr(ember, str(t.dtype).split(".")[1] if
                                                                       t.dtype != torch.bool else "bool")
    assert type(e_cls([1])) is ember.Tensor
    assert repr(e_cls) == repr(t_cls).replace("torch", "ember")


def test_isinstance_checks_the_dtype_as_in_torch():
    for lib in (ember, torch):
        x = lib.zeros(2)
        assert isinstance(x, lib.FloatTensor) and not isinstance(x, lib.LongTensor)
        assert isinstance(x.long(), lib.LongTensor) and not isinstance(x.double(), lib.FloatTensor)
        assert not isinstance([1.0], lib.FloatTensor)
        assert lib.FloatTensor.dtype == lib.float32 and lib.ByteTensor.dtype == lib.uint8


def test_legacy_constructor_of_a_tensor_shares_it():
    x = ember.tensor([1.0, 2.0])
    y = ember.FloatTensor(x)
    y[0] = 5.0
    assert x[0].item() == 5.0


@pytest.mark.parametrize("fn", [
    lambda lib: lib.FloatTensor(lib.tensor([1, 2])),
    lambda lib: lib.FloatTensor(2, 3.0),
    lambda lib: lib.FloatTensor("a"),
    lambda lib: lib.FloatTensor(-1),
    lambda lib: lib.FloatTensor([1.0], device="cuda"),
    lambda lib: lib.asarray(lib.tensor([1.0]), dtype=lib.float64, copy=False),
    lambda lib: lib.frombuffer(bytearray(7), dtype=lib.float32),
    lambda lib: lib.frombuffer(bytearray(0), dtype=lib.float32),
    lambda lib: lib.frombuffer(bytearray(8), dtype=lib.float32, count=3),
    lambda lib: lib.frombuffer(bytearray(8), dtype=lib.float32, offset=9),
], ids=lambda f: "")
def test_errors_match_torch(fn):
    same_error(fn)


def test_asarray_matches_torch_and_shares_memory():
    for obj, kwargs in [([1, 2], {}), (np.arange(3, dtype=np.int32), {}), ([1.0, 2.0], dict(dtype="float64")),
                        (3.0, {}), (np.arange(3.0), dict(dtype="float32")), ([[True]], {})]:
        e_kwargs = {k: getattr(ember, v) for k, v in kwargs.items()}
        t_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
        assert_close(ember.asarray(obj, **e_kwargs), torch.asarray(obj, **t_kwargs))
    arr = np.zeros(3)
    ember.asarray(arr)[1] = 7.0
    assert arr[1] == 7.0
    src = ember.ones(2)
    ember.asarray(src)[0] = 3.0
    assert src[0].item() == 3.0
    copied = ember.asarray(src, copy=True)
    copied[1] = 9.0
    assert src[1].item() == 1.0
    assert ember.asarray([1.0], requires_grad=True).requires_grad


def test_frombuffer_matches_torch_and_views_the_buffer():
    raw = bytearray(np.arange(6, dtype=np.int32).tobytes())
    for kwargs in [{}, dict(count=2), dict(offset=8), dict(count=3, offset=4)]:
        assert_close(ember.frombuffer(raw, dtype=ember.int32, **kwargs),
                     torch.frombuffer(bytearray(raw), dtype=torch.int32, **kwargs))
    view = ember.frombuffer(raw, dtype=ember.int32)
    raw[0] = 42
    assert view[0].item() == 42
    floats = array.array("f", [1.0, 2.5])
    assert_close(ember.frombuffer(floats, dtype=ember.float32), torch.frombuffer(array.array("f", [1.0, 2.5]),
                                                                                  dtype=torch.float32))
    assert ember.frombuffer(b"abcd", dtype=ember.uint8).tolist() == [97, 98, 99, 100]
