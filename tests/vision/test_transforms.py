"""Transforms on PIL images and tensors, checked against Pillow and torchvision's documented formulas."""
import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance

import ember
from ember.vision import transforms as T
from ember.vision import utils
from ember.vision.transforms import functional as TF
from oracle import assert_close


@pytest.fixture
def rgb():
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (10, 14, 3), dtype=np.uint8))


def test_to_tensor_and_back(rgb):
    x = T.ToTensor()(rgb)
    expected = torch.from_numpy(np.asarray(rgb).transpose(2, 0, 1).astype(np.float32) / 255)
    assert_close(x, expected)
    assert T.PILToTensor()(rgb).dtype == ember.uint8
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(x)), np.asarray(rgb))
    gray = T.ToTensor()(np.zeros((4, 5), dtype=np.uint8))
    assert gray.shape == ember.Size([1, 4, 5])
    assert T.ToPILImage()(ember.zeros(1, 4, 5)).mode == "L"


def test_normalize_matches_the_formula_and_rejects_zero_std():
    x = np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    out = T.Normalize(mean, std)(ember.tensor(x))
    expected = (torch.from_numpy(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    assert_close(out, expected)
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize((0.0,), (0.0,))(ember.tensor(x))


@pytest.mark.parametrize("size,expected", [(5, (7, 5)), ((4, 6), (6, 4)), (20, (28, 20))])
def test_resize_output_sizes_pil_and_tensor(rgb, size, expected):
    out = T.Resize(size)(rgb)
    assert out.size == expected
    t = T.Resize(size)(T.ToTensor()(rgb))
    assert tuple(t.shape) == (3, expected[1], expected[0])
    ref = np.asarray(rgb.resize(expected, Image.BILINEAR), dtype=np.float32) / 255
    np.testing.assert_allclose(t.numpy().transpose(1, 2, 0), ref, atol=1 / 255 + 1e-6)


def test_center_crop_offsets_and_padding(rgb):
    out = T.CenterCrop((4, 6))(rgb)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(rgb)[3:7, 4:10])
    big = T.CenterCrop(16)(T.ToTensor()(rgb))
    assert big.shape == ember.Size([3, 16, 16]) and big[:, 0].abs().sum().item() == 0


def test_random_transforms_follow_manual_seed(rgb):
    pipeline = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1),
                          T.RandomRotation(15), T.RandomResizedCrop(6), T.ToTensor()])
    ember.manual_seed(5)
    a = pipeline(rgb)
    ember.manual_seed(5)
    b = pipeline(rgb)
    assert ember.equal(a, b) and a.shape == ember.Size([3, 6, 6])


def test_flips_and_crop_positions(rgb):
    arr = np.asarray(rgb)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(rgb)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(rgb)), arr[::-1])
    x = T.ToTensor()(rgb)
    assert ember.equal(T.RandomHorizontalFlip(p=1.0)(x), x.flip(-1))
    i, j, h, w = T.RandomCrop.get_params(x, (4, 5))
    assert 0 <= i <= 6 and 0 <= j <= 9 and (h, w) == (4, 5)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(20)(x)


@pytest.mark.parametrize("mode,np_mode", [("edge", "edge"), ("reflect", "reflect"), ("symmetric", "symmetric")])
def test_pad_modes_match_numpy(rgb, mode, np_mode):
    out = T.Pad((1, 2, 3, 4), padding_mode=mode)(rgb)
    np.testing.assert_array_equal(np.asarray(out), np.pad(np.asarray(rgb), ((2, 4), (1, 3), (0, 0)), mode=np_mode))
    t = T.Pad(2, padding_mode=mode)(T.PILToTensor()(rgb))
    np.testing.assert_array_equal(t.numpy(), np.pad(T.PILToTensor()(rgb).numpy(), ((0, 0), (2, 2), (2, 2)),
                                                    mode=np_mode))
    filled = T.Pad(1, fill=(9, 8, 7))(rgb)
    assert np.asarray(filled)[0, 0].tolist() == [9, 8, 7]


def test_grayscale_and_color_adjustments_match_pillow(rgb):
    np.testing.assert_array_equal(np.asarray(T.Grayscale()(rgb)), np.asarray(rgb.convert("L")))
    assert T.Grayscale(3)(rgb).mode == "RGB"
    for name, fn in (("Brightness", TF.adjust_brightness), ("Contrast", TF.adjust_contrast),
                     ("Color", TF.adjust_saturation)):
        np.testing.assert_array_equal(np.asarray(fn(rgb, 1.3)), np.asarray(getattr(ImageEnhance, name)(rgb)
                                                                           .enhance(1.3)))
    x = T.ToTensor()(rgb)
    assert_close(TF.adjust_brightness(x, 0.5), torch.from_numpy(x.numpy() * 0.5))
    gray = TF.rgb_to_grayscale(x).numpy()[0]
    np.testing.assert_allclose(gray, 0.2989 * x.numpy()[0] + 0.587 * x.numpy()[1] + 0.114 * x.numpy()[2], rtol=1e-5)
    same = TF.adjust_hue(x, 0.0)
    np.testing.assert_allclose(same.numpy(), x.numpy(), atol=1e-5)
    shifted = TF.adjust_hue(ember.tensor([[[1.0]], [[0.0]], [[0.0]]]), 1 / 3)
    np.testing.assert_allclose(shifted.numpy().ravel(), [0.0, 1.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="hue_factor"):
        TF.adjust_hue(x, 0.7)


def test_reprs_follow_torchvision():
    pipeline = T.Compose([T.Resize(32), T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Lambda(lambda x: x)])
    assert repr(pipeline) == ("Compose(\n    Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
                              "\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n    Lambda()\n)")
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"


def test_make_grid_layout_and_save_image(tmp_path):
    batch = ember.stack([ember.full((1, 2, 3), float(i) / 10) for i in range(5)])
    grid = utils.make_grid(batch, nrow=2, padding=1, pad_value=0.9)
    assert grid.shape == ember.Size([3, 3 * 3 + 1, 2 * 4 + 1])
    g = grid.numpy()
    assert g[0, 1, 1] == pytest.approx(0.0) and g[0, 1, 5] == pytest.approx(0.1) and g[0, 4, 1] == pytest.approx(0.2)
    assert g[0, 0, 0] == pytest.approx(0.9) and g[:, 7:9, 5:8].min() == pytest.approx(0.9)
    normed = utils.make_grid(batch, normalize=True)
    assert normed.min().item() == 0.0 and normed.max().item() == pytest.approx(1.0)
    utils.save_image(batch, tmp_path / "grid.png", nrow=2, padding=1)
    saved = np.asarray(Image.open(tmp_path / "grid.png"))
    assert saved.shape == (10, 9, 3) and saved[4, 1, 0] == int(0.2 * 255 + 0.5)
