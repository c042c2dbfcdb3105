"""Whole objects in checkpoints, as ``torch.save``/``torch.load(weights_only=False)`` treat them: modules,
optimizers and NumPy arrays saved by one library load in the other; the default ``weights_only=True`` refuses them."""
import io
import pickle

import numpy as np
import pytest
import torch

import ember
from serialization.craft import archive


def _net(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2), lib.nn.ReLU(), lib.nn.Flatten(),
                             lib.nn.Linear(8, 3))


def _step(lib, model, opt, x):
    opt.zero_grad()
    loss = model(lib.tensor(x)).pow(2).mean()
    loss.backward()
    opt.step()
    return float(loss)


X = np.random.default_rng(0).standard_normal((4, 1, 4, 4)).astype(np.float32)


@pytest.mark.parametrize("writer,reader", [(ember, torch), (torch, ember), (ember, ember)],
                         ids=["ember_to_torch", "torch_to_ember", "ember_to_ember"])
def test_whole_model_and_optimizer_continue_training_identically(writer, reader):
    model = _net(writer)
    opt = writer.optim.Adam(model.parameters(), lr=0.01)
    _step(writer, model, opt, X)
    buf = io.BytesIO()
    writer.save({"model": model, "opt": opt, "array": np.arange(3.0), "dtype": writer.float16,
                 "size": writer.Size([2, 3]), "device": writer.device("cuda", 1)}, buf)
    buf.seek(0)
    loaded = reader.load(buf, weights_only=False)
    assert type(loaded["model"]).__module__.split(".")[0] == reader.__name__
    np.testing.assert_array_equal(loaded["array"], np.arange(3.0))
    assert loaded["dtype"] is reader.float16 and loaded["size"] == reader.Size([2, 3])
    assert loaded["device"] == reader.device("cuda:1")
    params = list(loaded["model"].parameters())
    assert all(any(p is q for q in params) for group in loaded["opt"].param_groups for p in group["params"])
    losses = [(_step(writer, model, opt, X), _step(reader, loaded["model"], loaded["opt"], X)) for _ in range(2)]
    np.testing.assert_allclose(*zip(*losses), rtol=1e-5)


@pytest.mark.parametrize("lib", [torch, ember], ids=["torch", "ember"])
def test_default_weights_only_refuses_whole_objects_naming_the_global(lib):
    buf = io.BytesIO()
    lib.save({"model": lib.nn.Linear(2, 2)}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        ember.load(buf)


def test_state_dicts_still_use_the_restricted_form():
    buf = io.BytesIO()
    ember.save(ember.nn.Linear(2, 2).state_dict(), buf)
    buf.seek(0)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(buf) == []
    buf.seek(0)
    assert set(torch.load(buf, weights_only=True)) == {"weight", "bias"}


def test_a_pytorch_name_ember_lacks_is_reported():
    pickled = b"\x80\x02ctorch.nn.modules.no_such_module\nFrobnicator\n)R."
    with pytest.raises(pickle.UnpicklingError,
                       match="^torch.nn.modules.no_such_module.Frobnicator is not implemented in ember"):
        ember.load(io.BytesIO(archive(pickled, {})), weights_only=False)


def test_objects_pickle_cannot_name_are_refused_and_the_target_kept(tmp_path):
    ember.save({"v": 1}, tmp_path / "ck.pth")
    with pytest.raises(TypeError, match="cannot be found by name"):
        ember.save({"f": lambda: 0, "m": ember.nn.Linear(1, 1)}, tmp_path / "ck.pth")
    assert ember.load(tmp_path / "ck.pth") == {"v": 1}


class Point:
    """A user class as a checkpoint may hold it."""

    def __init__(self, x, y):
        self.x, self.y = x, y


def test_user_classes_round_trip_in_full_pickles():
    buf = io.BytesIO()
    ember.save({"p": Point(1, ember.ones(2))}, buf)
    buf.seek(0)
    p = ember.load(buf, weights_only=False)["p"]
    assert p.x == 1 and p.y.tolist() == [1.0, 1.0]
