"""Datasets for ``ember train`` as whole normalised tensors, served a batch at a time."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ..utils.data import Dataset

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


def load(dataset: str, root: str | None, train: bool, limit: int | None) -> tuple[BatchTensors, int, int]:
    """(dataset, channels, image side) with float32 images normalised by the dataset's channel statistics."""
    from ..vision import datasets

    if dataset == "cifar10":
        if root is None:
            raise SystemExit("cifar10 needs --data-root pointing at a directory that holds cifar-10-batches-py/")
        ds = datasets.CIFAR10(root, train=train)
        images, labels = ds.data.transpose(0, 3, 1, 2), np.asarray(ds.targets, dtype=np.int64)
    else:
        cls = datasets.MNIST if dataset == "mnist" else datasets.FashionMNIST
        if root is None and dataset != "mnist":
            raise SystemExit("fashion-mnist needs --data-root (only MNIST is embedded)")
        ds = cls(root, train=train)
        images, labels = ds.data.numpy()[:, None], ds.targets.numpy()
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    mean, std = (np.asarray(v, dtype=np.float32).reshape(1, -1, 1, 1) for v in NORMALIZATION[dataset])
    x = (images.astype(np.float32) / np.float32(255) - mean) / std
    return BatchTensors(wrap(np.ascontiguousarray(x)), wrap(labels)), x.shape[1], x.shape[2]
