"""``add_safe_globals``, ``safe_globals`` and ``get_unsafe_globals_in_checkpoint``, against PyTorch's."""
import io
import pickle

import numpy as np
import pytest
import torch

import ember


class Config:
    """A user class a checkpoint may hold next to its weights."""

    def __init__(self, lr, layers):
        self.lr, self.layers = lr, layers


# what a NumPy array pickles as: its rebuild function (numpy._core.multiarray._reconstruct), ndarray, its dtype
NUMPY_GLOBALS = [np.zeros(1).__reduce__()[0], np.ndarray, np.dtype, type(np.dtype("float64"))]


@pytest.fixture(autouse=True)
def _no_safe_globals():
    ember.serialization.clear_safe_globals()
    yield
    ember.serialization.clear_safe_globals()


def _checkpoint(lib) -> io.BytesIO:
    buf = io.BytesIO()
    lib.save({"w": lib.ones(2), "config": Config(0.1, [2, 3]), "array": np.zeros(2)}, buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("lib", [torch, ember], ids=["torch_file", "ember_file"])
def test_unsafe_globals_are_those_torch_lists(lib):
    buf = _checkpoint(lib)
    ours = ember.serialization.get_unsafe_globals_in_checkpoint(buf)
    buf.seek(0)
    assert set(ours) == set(torch.serialization.get_unsafe_globals_in_checkpoint(buf))
    assert f"{__name__}.Config" in ours


@pytest.mark.parametrize("lib", [torch, ember], ids=["torch_file", "ember_file"])
def test_safe_globals_admit_exactly_the_listed_globals_inside_the_block(lib):
    with ember.serialization.safe_globals([Config, *NUMPY_GLOBALS]):
        out = ember.load(_checkpoint(lib))
        assert Config in ember.serialization.get_safe_globals()
    assert out["config"].lr == 0.1 and out["config"].layers == [2, 3] and out["w"].tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(out["array"], np.zeros(2))
    assert ember.serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError, match="Config|numpy"):
        ember.load(_checkpoint(lib))


def test_missing_global_is_named_with_the_remedies():
    ember.serialization.add_safe_globals(NUMPY_GLOBALS)
    with pytest.raises(pickle.UnpicklingError, match=rf"GLOBAL {__name__}.Config\. .*weights_only=False.*"
                                                     r"add_safe_globals"):
        ember.load(_checkpoint(torch))


def test_ember_classes_are_trusted_under_pytorchs_names_too():
    buf = io.BytesIO()
    torch.save(torch.nn.ReLU(), buf)
    buf.seek(0)
    ember.serialization.add_safe_globals([ember.nn.ReLU])
    assert type(ember.load(buf)) is ember.nn.ReLU
