"""Image transforms as functions on PIL images and on tensors (C, H, W), following torchvision's definitions.

Geometric operations on tensors run through Pillow's float ('F') mode one channel at a time, so tensors and PIL
images are resampled by the same code (Pillow's antialiasing is what torchvision's ``antialias=True`` mimics).
"""
from __future__ import annotations

from enum import Enum

import numpy as np

from ..._tensor import Tensor, wrap
from ..._dtype import is_real_floating


class InterpolationMode(Enum):
    """Resampling filter of the resizing transforms (the values are torchvision's names)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _pil_resample(mode: InterpolationMode):
    from PIL import Image

    return {InterpolationMode.NEAREST: Image.NEAREST, InterpolationMode.NEAREST_EXACT: Image.NEAREST,
            InterpolationMode.BILINEAR: Image.BILINEAR, InterpolationMode.BICUBIC: Image.BICUBIC,
            InterpolationMode.BOX: Image.BOX, InterpolationMode.HAMMING: Image.HAMMING,
            InterpolationMode.LANCZOS: Image.LANCZOS}[mode]


def _is_pil(img) -> bool:
    try:
        from PIL import Image
    except ModuleNotFoundError:
        return False
    return isinstance(img, Image.Image)


def get_image_size(img) -> list[int]:
    """[width, height]."""
    if isinstance(img, Tensor):
        return [img.shape[-1], img.shape[-2]]
    return list(img.size)


def get_image_num_channels(img) -> int:
    """Channels of a (C, H, W) / (H, W) tensor or of a PIL image (its bands)."""
    if isinstance(img, Tensor):
        return 1 if img.ndim == 2 else img.shape[-3]
    return len(img.getbands())


# -- conversions ------------------------------------------------------------------------------------------------
def to_tensor(pic) -> Tensor:
    """PIL image or HWC ndarray -> float32 CHW tensor; 8-bit data is scaled to [0, 1]."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        return wrap(chw.astype(np.float32) / np.float32(255)) if chw.dtype == np.uint8 else wrap(chw)
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.mode == "1":
        arr = 255 * np.array(pic, dtype=np.uint8)
    else:
        arr = np.array(pic, dtype={"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8))
    arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    return wrap(chw.astype(np.float32) / np.float32(255)) if chw.dtype == np.uint8 else wrap(chw)


def pil_to_tensor(pic) -> Tensor:
    """PIL image -> CHW tensor of its own dtype (no scaling)."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic)
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic, mode: str | None = None):
    """CHW tensor or HWC ndarray -> PIL image; float data is taken as [0, 1] and truncated to 8 bits."""
    from PIL import Image

    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic.detach().numpy()
        arr = arr[None] if arr.ndim == 2 else arr
        if is_real_floating(arr.dtype) and mode != "F":
            arr = (arr * 255).astype(np.uint8)
        arr = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    channels = arr.shape[2]
    if channels == 1:
        arr = arr[:, :, 0]
        default = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                   np.dtype(np.float32): "F"}.get(arr.dtype)
    else:
        default = {2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
    if default is None:
        raise TypeError(f"Input type {arr.dtype} is not supported")
    return Image.fromarray(np.ascontiguousarray(arr), mode=mode or default)


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """(tensor - mean) / std per channel of a (..., C, H, W) float tensor."""
    if not isinstance(tensor, Tensor) or not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {getattr(tensor, 'dtype', type(tensor))}.")
    dt = tensor._data.dtype
    mean_a = np.asarray(mean, dtype=dt).reshape(-1, 1, 1)
    std_a = np.asarray(std, dtype=dt).reshape(-1, 1, 1)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if inplace:
        return tensor.sub_(wrap(mean_a)).div_(wrap(std_a))
    return (tensor - wrap(mean_a)) / wrap(std_a)


# -- geometry ---------------------------------------------------------------------------------------------------
def _per_channel_pil(img: Tensor, fn) -> Tensor:
    """Apply a PIL 'F'-mode operation to each channel plane of a (..., H, W) tensor."""
    from PIL import Image

    arr = img.detach().numpy()
    planes = arr.reshape(-1, arr.shape[-2], arr.shape[-1]).astype(np.float32)
    out = np.stack([np.asarray(fn(Image.fromarray(p, mode="F")), dtype=np.float32) for p in planes])
    out = out.reshape(arr.shape[:-2] + out.shape[-2:])
    if arr.dtype.kind in "iu":
        out = np.clip(np.rint(out), np.iinfo(arr.dtype).min, np.iinfo(arr.dtype).max)
    return wrap(out.astype(arr.dtype))


def _output_size(size, w: int, h: int, max_size) -> tuple[int, int]:
    """(new_h, new_w) by torchvision's rule: an int matches the shorter edge, keeping the aspect ratio."""
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    requested = size[0] if isinstance(size, (list, tuple)) else size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size (size={size})")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias: bool | None = True):
    """Resize to ``size`` (h, w), or the smaller edge to an int ``size`` keeping the aspect ratio (PIL filters)."""
    w, h = get_image_size(img)
    new_h, new_w = _output_size(size, w, h, max_size)
    if (new_w, new_h) == (w, h):
        return img
    resample = _pil_resample(interpolation)
    if isinstance(img, Tensor):
        return _per_channel_pil(img, lambda p: p.resize((new_w, new_h), resample))
    return img.resize((new_w, new_h), resample)


def crop(img, top: int, left: int, height: int, width: int):
    """Crop a box; parts outside the image are zero-padded (as torchvision does)."""
    if isinstance(img, Tensor):
        h, w = img.shape[-2:]
        pad = [max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)]
        if any(pad):
            img = pad_image(img, pad)
            top, left = top + pad[1], left + pad[0]
        return img[..., top:top + height, left:left + width]
    return img.crop((left, top, left + width, top + height))


def center_crop(img, output_size):
    """Crop ``output_size`` (int or (h, w)) around the centre; zero-padded where larger than the image."""
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    th, tw = output_size
    w, h = get_image_size(img)
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def resized_crop(img, top: int, left: int, height: int, width: int, size, interpolation=InterpolationMode.BILINEAR,
                 antialias: bool | None = True):
    """:func:`crop` then :func:`resize`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    """Mirror left-right."""
    from PIL import Image

    return img.flip(-1) if isinstance(img, Tensor) else img.transpose(Image.FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top-bottom."""
    from PIL import Image

    return img.flip(-2) if isinstance(img, Tensor) else img.transpose(Image.FLIP_TOP_BOTTOM)


def _pad_sides(padding) -> list[int]:
    """[left, top, right, bottom] from an int, (lr, tb) or (l, t, r, b)."""
    if isinstance(padding, int):
        return [padding] * 4
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


_NP_PAD_MODES = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad_image(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the image borders; modes 'constant', 'edge', 'reflect', 'symmetric'."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _pad_sides(padding)
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
        out = np.pad(arr, widths, mode="constant", constant_values=fill) if padding_mode == "constant" \
            else np.pad(arr, widths, mode=_NP_PAD_MODES[padding_mode])
        return wrap(out)
    if padding_mode == "constant":
        from PIL import ImageOps

        return ImageOps.expand(img, border=(left, top, right, bottom), fill=fill)
    from PIL import Image

    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    result = Image.fromarray(np.pad(arr, widths, mode=_NP_PAD_MODES[padding_mode]),
                             mode=img.mode if img.mode != "P" else None)
    if img.mode == "P":
        result.putpalette(img.getpalette())
    return result


pad = pad_image


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
           fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about the centre (or ``center``)."""
    resample = _pil_resample(interpolation)
    if isinstance(img, Tensor):
        value = 0.0 if fill is None else float(fill if np.isscalar(fill) else fill[0])
        return _per_channel_pil(img, lambda p: p.rotate(angle, resample, expand, center, fillcolor=value))
    return img.rotate(angle, resample, expand, center, fillcolor=fill)


# -- colour -----------------------------------------------------------------------------------------------------
_GRAY_WEIGHTS = np.array([0.2989, 0.587, 0.114])


def _bound(dtype) -> float:
    return 1.0 if is_real_floating(np.dtype(dtype)) else float(np.iinfo(dtype).max)


def _blend(a: np.ndarray, b, ratio: float, dtype) -> np.ndarray:
    out = np.clip(ratio * a + (1.0 - ratio) * b, 0, _bound(dtype))
    return out.astype(dtype)


def _gray(arr: np.ndarray) -> np.ndarray:
    return np.tensordot(_GRAY_WEIGHTS.astype(arr.dtype if is_real_floating(arr.dtype) else np.float32),
                        arr[..., :3, :, :], axes=([0], [-3]))


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """ITU-R 601-2 luma ``0.299 R + 0.587 G + 0.114 B``, repeated to ``num_output_channels`` (1 or 3)."""
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        g = _gray(arr)[..., None, :, :].astype(arr.dtype)
        return wrap(np.repeat(g, num_output_channels, axis=-3))
    from PIL import Image

    gray = img.convert("L")
    return Image.merge("RGB", [gray] * 3) if num_output_channels == 3 else gray


to_grayscale = rgb_to_grayscale


def _pil_enhance(img, name: str, factor: float):
    from PIL import ImageEnhance

    return getattr(ImageEnhance, name)(img).enhance(factor)


def adjust_brightness(img, brightness_factor: float):
    """Blend with black: 0 gives black, 1 the image, 2 twice as bright (clamped)."""
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        return wrap(_blend(arr, 0.0, brightness_factor, arr.dtype))
    return _pil_enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean grey level: 0 gives a flat grey image, 1 the image."""
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        gray = _gray(arr) if arr.shape[-3] == 3 else arr[..., 0, :, :]
        if not is_real_floating(arr.dtype):
            gray = np.floor(gray)
        mean = gray.mean(axis=(-2, -1), keepdims=True)[..., None, :, :]
        return wrap(_blend(arr, mean, contrast_factor, arr.dtype))
    return _pil_enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Blend with the greyscale image: 0 gives grey, 1 the image, 2 doubled saturation."""
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        return wrap(_blend(arr, _gray(arr)[..., None, :, :], saturation_factor, arr.dtype))
    return _pil_enhance(img, "Color", saturation_factor)


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` (in [-0.5, 0.5]) of a full turn."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if isinstance(img, Tensor):
        arr = img.detach().numpy()
        scale = _bound(arr.dtype)
        h, s, v = _rgb_to_hsv(arr.astype(np.float32) / scale)
        out = _hsv_to_rgb((h + hue_factor) % 1.0, s, v) * scale
        return wrap(out.astype(arr.dtype) if is_real_floating(arr.dtype) else np.rint(out).astype(arr.dtype))
    from PIL import Image

    if img.mode in ("L", "1", "I", "F"):
        return img
    h, s, v = img.convert("HSV").split()
    shifted = (np.asarray(h, dtype=np.uint8).astype(np.int16) + int(hue_factor * 255)) % 256
    return Image.merge("HSV", (Image.fromarray(shifted.astype(np.uint8), "L"), s, v)).convert(img.mode)


def _rgb_to_hsv(rgb: np.ndarray):
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    delta = maxc - minc
    safe = np.where(delta == 0, 1, delta)
    s = np.where(maxc == 0, 0, delta / np.where(maxc == 0, 1, maxc))
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(delta == 0, 0, (h / 6.0) % 1.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v) -> np.ndarray:
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(np.int64) % 6
    choices = [np.stack(c, axis=-3) for c in ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))]
    return np.choose(i[..., None, :, :], choices)
