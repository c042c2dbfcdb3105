"""default_collate / default_convert against torch's, on nested structures."""
import collections

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate

import ember
from ember.utils.data import default_collate, default_convert
from oracle import assert_close

Point = collections.namedtuple("Point", ["x", "y"])


def _to_torch(sample):
    if isinstance(sample, ember.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return {k: _to_torch(v) for k, v in sample.items()}
    if isinstance(sample, Point):
        return Point(*(_to_torch(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(_to_torch(v) for v in sample)
    return sample


def _compare(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor)
        assert_close(ours, theirs)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for k in theirs:
            _compare(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _compare(a, b)
    else:
        assert ours == theirs


SAMPLES = {
    "tensors": lambda i: ember.full((2, 3), float(i)),
    "tuple": lambda i: (ember.full((3,), float(i)), i),
    "floats": lambda i: 0.5 * i,
    "bools": lambda i: bool(i % 2),
    "strings": lambda i: f"s{i}",
    "numpy": lambda i: np.full((2,), i, dtype=np.float32),
    "numpy_scalar": lambda i: np.int32(i),
    "dict": lambda i: {"img": ember.full((2,), float(i)), "label": i, "name": str(i)},
    "nested": lambda i: {"pair": [ember.full((1,), float(i)), {"k": i}], "p": Point(i, 2.0 * i)},
    "namedtuple": lambda i: Point(ember.tensor([i, i]), float(i)),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_default_collate_matches_torch(kind):
    batch = [SAMPLES[kind](i) for i in range(4)]
    torch_batch = [_to_torch(s) if kind != "numpy" else s for s in batch]
    _compare(default_collate(batch), torch_collate(torch_batch))


def test_collate_rejects_ragged_lists_and_objects():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


def test_default_convert_turns_arrays_into_tensors_and_keeps_the_rest():
    out = default_convert({"a": np.ones(3, dtype=np.float32), "b": [np.int64(2), "x"]})
    assert isinstance(out["a"], ember.Tensor) and out["a"].dtype == ember.float32
    assert out["b"][0].item() == 2 and out["b"][1] == "x"
