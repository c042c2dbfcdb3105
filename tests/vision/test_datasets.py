"""Dataset readers on small fixture files written in the real torchvision formats."""
import pickle
import struct

import numpy as np
import pytest
from PIL import Image

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms as T
from ember.vision.datasets import _files


def _write_idx(path, array):
    codes = {np.uint8: 8, np.int8: 9}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.tobytes())


@pytest.fixture
def mnist_root(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("t10k", 4)):
        _write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        _write_idx(raw / f"{split}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))
    return tmp_path


def test_mnist_reads_idx_files(mnist_root):
    train = datasets.MNIST(mnist_root, train=True)
    test = datasets.MNIST(mnist_root, train=False, transform=T.ToTensor())
    assert len(train) == 6 and len(test) == 4
    assert train.data.dtype == ember.uint8 and train.data.shape == ember.Size([6, 28, 28])
    assert train.targets.dtype == ember.int64 and train.targets.tolist() == [0, 1, 2, 3, 4, 5]
    img, label = train[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and label == 2
    np.testing.assert_array_equal(np.asarray(img), train.data[2].numpy())
    x, _ = test[1]
    assert x.shape == ember.Size([1, 28, 28]) and float(x.max()) <= 1.0
    assert repr(train).splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 6",
                                             f"    Root location: {mnist_root}", "    Split: Train"]


def test_mnist_missing_or_corrupted_files(tmp_path, mnist_root):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        datasets.MNIST(tmp_path / "nowhere")
    path = mnist_root / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="truncated or corrupted"):
        datasets.MNIST(mnist_root, train=False)


def test_download_without_network_says_which_files_go_where(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(_files.urllib.request, "urlopen", refuse)
    with pytest.raises(RuntimeError, match=r"(?s)Place these files by hand.*FashionMNIST/raw/train-images-idx3-ubyte"):
        datasets.FashionMNIST(tmp_path, download=True)


def test_embedded_mnist_has_the_standard_splits():
    test = datasets.MNIST(None, train=False)
    assert len(test) == 10000 and test.targets[:5].tolist() == [7, 2, 1, 0, 4]
    img, label = test[0]
    assert img.size == (28, 28) and label == 7 and np.asarray(img).max() == 255
    counts = np.bincount(test.targets.numpy(), minlength=10)
    assert counts.sum() == 10000 and counts.min() > 850


def _write_cifar(root, rng):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    sums = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        entry = {"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8), "labels": [1, 2, 3]}
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
        sums[name] = _files.md5(folder / name)
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": [f"c{i}" for i in range(10)]}, protocol=2))
    sums["batches.meta"] = _files.md5(folder / "batches.meta")
    return folder, sums


@pytest.fixture
def cifar_root(tmp_path, monkeypatch):
    folder, sums = _write_cifar(tmp_path, np.random.default_rng(0))
    monkeypatch.setattr(datasets.CIFAR10, "train_list", [[f"data_batch_{i}", sums[f"data_batch_{i}"]]
                                                         for i in range(1, 6)])
    monkeypatch.setattr(datasets.CIFAR10, "test_list", [["test_batch", sums["test_batch"]]])
    monkeypatch.setattr(datasets.CIFAR10, "meta", {"filename": "batches.meta", "key": "label_names",
                                                   "md5": sums["batches.meta"]})
    return tmp_path


def test_cifar10_layout_and_items(cifar_root):
    train = datasets.CIFAR10(cifar_root, train=True)
    assert train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.targets == [1, 2, 3] * 5 and train.classes[0] == "c0"
    raw = pickle.loads((cifar_root / "cifar-10-batches-py" / "data_batch_1").read_bytes())["data"][0]
    img, label = train[0]
    assert img.mode == "RGB" and label == 1
    np.testing.assert_array_equal(np.asarray(img)[:, :, 1], raw[1024:2048].reshape(32, 32))


def test_cifar10_corrupted_file_fails_its_checksum(cifar_root):
    with open(cifar_root / "cifar-10-batches-py" / "test_batch", "ab") as f:
        f.write(b"x")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(cifar_root, train=False)


def test_cifar_pickle_with_foreign_globals_is_refused(cifar_root):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = cifar_root / "evil"
    path.write_bytes(pickle.dumps({"data": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global .*print"):
        _files.load_numpy_pickle(path)


def test_image_folder_classes_and_loader(tmp_path):
    for cls, color in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.new("RGB", (8, 6), color).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [t for _, t in ds.samples] == [0, 0, 1, 1] and ds.targets == [0, 0, 1, 1]
    x, y = ds[3]
    assert x.shape == ember.Size([3, 6, 8]) and y == 1 and x[2].min().item() == 1.0
    batch = next(iter(DataLoader(ds, batch_size=4)))
    assert batch[0].shape == ember.Size([4, 3, 6, 8])


def test_fake_data_is_deterministic_per_index():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 8), num_classes=3, transform=T.ToTensor())
    a, b = ds[2], ds[2]
    assert ember.equal(a[0], b[0]) and a[1] == b[1] and 0 <= a[1] < 3
    assert not ember.equal(ds[1][0], a[0])
    with pytest.raises(IndexError):
        ds[5]
