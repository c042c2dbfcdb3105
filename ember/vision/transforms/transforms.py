"""Transform classes (torchvision.transforms): callables composed into a pipeline, printed like torchvision's."""
from __future__ import annotations

import math
import numbers
from typing import Callable, Sequence

import numpy as np

from ..._random import default_generator
from . import functional as TF
from .functional import InterpolationMode


# torchvision's draws, so that a seeded pipeline takes PyTorch's numbers: ``torch.rand(1)``,
# ``torch.empty(1).uniform_(low, high)`` (both float32) and ``torch.randint(low, high, (1,))``


def _rand() -> float:
    return float(default_generator.uniform(0.0, 1.0, (1,), np.float32)[0])


def _uniform(low: float, high: float) -> float:
    return float(default_generator.uniform(low, high, (1,), np.float32)[0])


def _randint(low: int, high: int) -> int:
    return int(default_generator.integers(low, high, (1,))[0])


def _pair(size, name: str = "size") -> tuple:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return tuple(size)


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: list) -> None:
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class _Simple:
    """A transform without random state: ``__call__`` applies ``_fn`` with the stored arguments."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor(_Simple):
    """PIL image / HWC ndarray -> float CHW tensor in [0, 1]."""

    def __call__(self, pic):
        return TF.to_tensor(pic)


class PILToTensor(_Simple):
    """PIL image -> CHW tensor of the image's dtype."""

    def __call__(self, pic):
        return TF.pil_to_tensor(pic)


class ToPILImage:
    """CHW tensor / HWC ndarray -> PIL image."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic):
        return TF.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if self.mode is None else f"{type(self).__name__}(mode={self.mode})"


class Normalize:
    """``(x - mean) / std`` per channel."""

    def __init__(self, mean, std, inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return TF.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to ``size`` ((h, w), or an int for the shorter edge)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True) -> None:
        if not isinstance(size, (int, Sequence)) or isinstance(size, Sequence) and len(size) not in (1, 2):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img):
        return TF.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop:
    """Crop the centre ``size`` (int or (h, w)) of the image."""

    def __init__(self, size) -> None:
        self.size = _pair(size)

    def __call__(self, img):
        return TF.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class Pad:
    """Pad the sides by ``padding`` (all, (left/right, top/bottom) or (left, top, right, bottom)) with ``fill`` or
    by edge/reflect/symmetric copies."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        TF._pad_sides(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return TF.pad_image(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop:
    """Crop at a random position, after optional padding (``pad_if_needed`` pads up to ``size``)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = _pair(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        w, h = TF.get_image_size(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = TF.pad_image(img, self.padding, self.fill, self.padding_mode)
        w, h = TF.get_image_size(img)
        if self.pad_if_needed and w < self.size[1]:
            img = TF.pad_image(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = TF.pad_image(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        return TF.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class _RandomFlip:
    """Apply the class's ``_flip`` with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        return self._flip(img) if _rand() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p``."""

    _flip = staticmethod(TF.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p``."""

    _flip = staticmethod(TF.vflip)


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` ((-d, d) for a number)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
                 fill=0) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = [-degrees, degrees]
        self.degrees = [float(d) for d in degrees]
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill

    def __call__(self, img):
        return TF.rotate(img, _uniform(*self.degrees), self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}, fill={self.fill})")


class RandomResizedCrop:
    """A random crop of random area and aspect ratio, resized to ``size``."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True) -> None:
        self.size = _pair(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio, self.interpolation, self.antialias = scale, ratio, interpolation, antialias

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        width, height = TF.get_image_size(img)
        area = height * width
        log_ratio = np.log(np.array(ratio, dtype=np.float32))  # torchvision: torch.log(torch.tensor(ratio))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = float(np.exp(np.float32(_uniform(float(log_ratio[0]), float(log_ratio[1])))))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return TF.resized_crop(img, i, j, h, w, self.size, self.interpolation, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class Grayscale:
    """Convert to greyscale with ``num_output_channels`` (1 or 3) channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return TF.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class ColorJitter:
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        self.brightness = self._range(brightness, "brightness")
        self.contrast = self._range(contrast, "contrast")
        self.saturation = self._range(saturation, "saturation")
        self.hue = self._range(hue, "hue", center=0, bound=(-0.5, 0.5))

    @staticmethod
    def _range(value, name: str, center: float = 1.0, bound=(0, float("inf"))):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if center == 1.0:
                value[0] = max(value[0], 0.0)
        elif not (isinstance(value, Sequence) and len(value) == 2 and bound[0] <= value[0] <= value[1] <= bound[1]):
            raise ValueError(f"{name} values should be between {bound}")
        return None if value[0] == value[1] == center else tuple(value)

    def __call__(self, img):
        order = default_generator.permutation(4).tolist()
        factors = [None if r is None else _uniform(*r)
                   for r in (self.brightness, self.contrast, self.saturation, self.hue)]
        ops = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue)
        for i in order:
            if factors[i] is not None:
                img = ops[i](img, factors[i])
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Lambda:
    """Wrap a user function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
