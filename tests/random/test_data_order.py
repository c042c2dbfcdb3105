"""Data order: samplers, DataLoader(shuffle=True) with and without a generator, random_split and the random
vision transforms draw PyTorch's numbers in PyTorch's order."""
import math

import pytest
import torch
from torch.utils import data as TD

import ember
from ember.utils import data as ED
from ember.vision import transforms as T
from tests.random._same import assert_same_state


def _same(mine, theirs, what):
    assert mine == theirs, (what, mine[:8], theirs[:8])
    assert_same_state(what)


@pytest.mark.parametrize("seed", [0, 4])
def test_samplers(seed):
    cases = [("RandomSampler", lambda D: D.RandomSampler(range(100))),
             ("num_samples", lambda D: D.RandomSampler(range(10), num_samples=25)),
             ("replacement", lambda D: D.RandomSampler(range(10), replacement=True, num_samples=70)),
             ("SubsetRandomSampler", lambda D: D.SubsetRandomSampler(list(range(5, 50)))),
             ("WeightedRandomSampler", lambda D: D.WeightedRandomSampler([0.1, 0.5, 2, 3], 20)),
             ("without replacement", lambda D: D.WeightedRandomSampler([0.1, 0.5, 2, 3], 3, replacement=False))]
    for what, make in cases:
        torch.manual_seed(seed)
        theirs = list(make(TD))
        ember.manual_seed(seed)
        _same(list(make(ED)), theirs, what)


def test_sampler_with_a_generator():
    torch.manual_seed(0)
    theirs = list(TD.RandomSampler(range(100), generator=torch.Generator().manual_seed(5)))
    ember.manual_seed(0)
    _same(list(ED.RandomSampler(range(100), generator=ember.Generator().manual_seed(5))), theirs, "generator")


@pytest.mark.parametrize("lengths", [[0.3, 0.3, 0.4], [10, 20]])
def test_random_split(lengths):
    torch.manual_seed(3)
    theirs = [s.indices for s in TD.random_split(range(30), lengths)]
    ember.manual_seed(3)
    _same([s.indices for s in ED.random_split(range(30), lengths)], theirs, "random_split")


@pytest.mark.parametrize("with_generator", [False, True])
def test_dataloader_shuffle_order_over_epochs(with_generator):
    def batches(lib, D):
        lib.manual_seed(1)
        gen = lib.Generator().manual_seed(11) if with_generator else None
        loader = D.DataLoader(list(range(50)), batch_size=8, shuffle=True, generator=gen)
        return [[b.tolist() for b in loader] for _ in range(3)]

    theirs = batches(torch, TD)
    _same(batches(ember, ED), theirs, "DataLoader")


def _torchvision_resized_crop_params(height, width, scale, ratio):
    """torchvision's ``RandomResizedCrop.get_params``, written against torch (torchvision is not installed)."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            return (torch.randint(0, height - h + 1, size=(1,)).item(),
                    torch.randint(0, width - w + 1, size=(1,)).item(), h, w)
    return None


@pytest.mark.parametrize("seed", range(5))
def test_random_transforms_draw_torchvisions_numbers(seed):
    Image = pytest.importorskip("PIL.Image")
    img = Image.new("RGB", (40, 30))
    torch.manual_seed(seed)
    theirs = [_torchvision_resized_crop_params(30, 40, (0.08, 1.0), (3 / 4, 4 / 3)),
              (torch.randint(0, 30 - 20 + 1, size=(1,)).item(), torch.randint(0, 40 - 25 + 1, size=(1,)).item()),
              float(torch.empty(1).uniform_(-30.0, 30.0).item()), float(torch.rand(1).item())]
    ember.manual_seed(seed)
    mine = [T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)),
            T.RandomCrop.get_params(img, (20, 25))[:2], T.transforms._uniform(-30.0, 30.0), T.transforms._rand()]
    _same(mine, theirs, "transforms")
