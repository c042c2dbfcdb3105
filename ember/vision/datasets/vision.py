"""The base of the image datasets: transforms and torchvision's repr."""
from __future__ import annotations

from pathlib import Path

from ...utils.data import Dataset


class VisionDataset(Dataset):
    """Holds ``root``, ``transform`` and ``target_transform`` and prints like torchvision's datasets."""

    _repr_indent = 4

    def __init__(self, root, transform=None, target_transform=None) -> None:
        self.root = Path(root).expanduser() if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _apply(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [line for line in self.extra_repr().splitlines() if line]
        if self.transform is not None or self.target_transform is not None:
            lines.append("StandardTransform")
            if self.transform is not None:
                lines.append(_format("Transform: ", self.transform))
            if self.target_transform is not None:
                lines.append(_format("Target transform: ", self.target_transform))
        body = "\n".join(" " * self._repr_indent + line for line in "\n".join(lines).splitlines())
        return f"Dataset {type(self).__name__}\n{body}"


def _format(head: str, transform) -> str:
    lines = repr(transform).splitlines()
    return "\n".join([head + lines[0]] + [" " * len(head) + line for line in lines[1:]])
