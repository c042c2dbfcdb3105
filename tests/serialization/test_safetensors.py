"""``ember.utils.safetensors``: files interchangeable with ``safetensors.torch``'s, the same calls."""
import numpy as np
import pytest
import torch

import ember

st = pytest.importorskip("safetensors.torch")
from ember.utils import safetensors as es  # noqa: E402

ARRAYS = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "h": np.ones(3, dtype=np.float16),
          "d": np.linspace(0, 1, 4), "i": np.array([1, -2], dtype=np.int64), "b": np.array([True, False]),
          "u": np.array([7], dtype=np.uint8), "s": np.zeros((0, 2), dtype=np.int32)}


def _assert_same(ours: dict, theirs: dict):
    assert set(ours) == set(theirs)
    for name, t in ours.items():
        assert str(t.dtype).split(".")[1] == str(theirs[name].dtype).split(".")[1]
        np.testing.assert_array_equal(t.numpy(), theirs[name].numpy())


def test_ember_files_load_in_safetensors_torch(tmp_path):
    es.save_file({k: ember.tensor(a) for k, a in ARRAYS.items()}, tmp_path / "e.safetensors", metadata={"by": "x"})
    _assert_same({k: ember.tensor(a) for k, a in ARRAYS.items()}, st.load_file(tmp_path / "e.safetensors"))


def test_safetensors_torch_files_load_in_ember(tmp_path):
    st.save_file({k: torch.from_numpy(a) for k, a in ARRAYS.items()}, tmp_path / "t.safetensors")
    loaded = es.load_file(tmp_path / "t.safetensors")
    _assert_same(loaded, {k: torch.from_numpy(a) for k, a in ARRAYS.items()})
    loaded["w"] += 1  # loaded tensors are writable, not views of the file


def test_bytes_round_trip_matches_safetensors_torch():
    data = es.save({"w": ember.tensor(ARRAYS["w"])})
    _assert_same({"w": ember.tensor(ARRAYS["w"])}, st.load(data))
    _assert_same(es.load(st.save({"w": torch.from_numpy(ARRAYS["w"])})), {"w": torch.from_numpy(ARRAYS["w"])})


def test_models_exchange_weights_through_save_model(tmp_path):
    torch_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    st.save_model(torch_net, tmp_path / "m.safetensors")
    net = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
    assert es.load_model(net, tmp_path / "m.safetensors") == (set(), [])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(net(ember.tensor(x)).detach().numpy(),
                               torch_net(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
    es.save_model(net, tmp_path / "e.safetensors")
    assert st.load_model(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)),
                         tmp_path / "e.safetensors") == (set(), [])


def test_non_tensors_and_other_devices_are_refused(tmp_path):
    with pytest.raises(ValueError, match="Key `w` is invalid, expected torch.Tensor"):
        es.save_file({"w": np.zeros(2)}, tmp_path / "x.safetensors")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        es.load_file(tmp_path / "x.safetensors", device="cuda")


def test_strict_load_model_reports_keys_as_safetensors_torch(tmp_path):
    st.save_file({"weight": torch.zeros(2, 3), "extra": torch.zeros(1)}, tmp_path / "p.safetensors")
    errors = []
    for lib, load in ((torch, st.load_model), (ember, es.load_model)):
        with pytest.raises(RuntimeError) as e:
            load(lib.nn.Linear(3, 2), tmp_path / "p.safetensors")
        errors.append(str(e.value))
    assert errors[0] == errors[1]
