"""Random images for smoke tests: item i is the same every time (seeded by i + random_offset)."""
from __future__ import annotations

from ..._random import Generator
from ..._tensor import wrap
from .vision import VisionDataset


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (C, H, W) with labels in [0, num_classes), as PIL images."""

    def __init__(self, size: int = 1000, image_size: tuple = (3, 224, 224), num_classes: int = 10,
                 transform=None, target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform, target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int):
        from ..transforms import functional as TF

        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        gen = Generator().manual_seed(index + self.random_offset)
        image = TF.to_pil_image(wrap(gen.normal(0.0, 1.0, self.image_size, "float32")))
        target = int(gen.integers(0, self.num_classes, ()))
        return self._apply(image, target)
