"""Layer micro-benchmarks at the seed networks' shapes: (name, make, target ratio) cases for the runner.

Targets come from issue #7 (at most 2x PyTorch) for the layers the seed networks train with; the other cases are
timed for information (target None).
"""
from __future__ import annotations

import numpy as np

from .workloads import layer_fwd_bwd, loss_fwd_bwd


def _conv(cin: int, cout: int, k: int, pad: int = 0):
    return lambda lib: lib.nn.Conv2d(cin, cout, k, padding=pad)


def _module(name: str, *args, **kwargs):
    return lambda lib: getattr(lib.nn, name)(*args, **kwargs)


def _shape(shape: tuple) -> str:
    return "x".join(map(str, shape))


# (label, layer factory, input shape, target). The convolutions are LeNet's two (seeds 000/002) and CIFAR-quick's
# three (seed 003), at batch 64; backward computes the input, weight and bias gradients.
_LAYERS = [
    ("LeNet conv1: Conv2d 3->6 k5", _conv(3, 6, 5), (64, 3, 32, 32), 2.0),
    ("LeNet conv2: Conv2d 6->16 k5", _conv(6, 16, 5), (64, 6, 14, 14), 2.0),
    ("CIFAR conv1: Conv2d 3->32 k5 p2", _conv(3, 32, 5, 2), (64, 3, 32, 32), 2.0),
    ("CIFAR conv2: Conv2d 32->32 k5 p2", _conv(32, 32, 5, 2), (64, 32, 16, 16), 2.0),
    ("CIFAR conv3: Conv2d 32->64 k5 p2", _conv(32, 64, 5, 2), (64, 32, 8, 8), 2.0),
    ("MaxPool2d 2", _module("MaxPool2d", 2), (64, 32, 32, 32), 2.0),
    ("MaxPool2d 2", _module("MaxPool2d", 2), (64, 6, 28, 28), 2.0),
    ("MaxPool2d 2", _module("MaxPool2d", 2), (64, 16, 10, 10), 2.0),
    ("MaxPool2d 3/2", _module("MaxPool2d", 3, 2), (64, 32, 32, 32), None),
    ("AvgPool2d 2", _module("AvgPool2d", 2), (64, 32, 32, 32), None),
    ("AvgPool2d 3/2", _module("AvgPool2d", 3, 2), (64, 32, 32, 32), None),
    ("AdaptiveAvgPool2d 1", _module("AdaptiveAvgPool2d", 1), (64, 64, 8, 8), None),
    ("BatchNorm2d 32", _module("BatchNorm2d", 32), (64, 32, 16, 16), 2.0),
    ("BatchNorm2d 32", _module("BatchNorm2d", 32), (64, 32, 32, 32), 2.0),
    ("BatchNorm2d 16", _module("BatchNorm2d", 16), (64, 16, 10, 10), 2.0),
    ("BatchNorm1d 120", _module("BatchNorm1d", 120), (64, 120), None),
    ("GroupNorm 8x32", _module("GroupNorm", 8, 32), (64, 32, 16, 16), None),
    ("LayerNorm 256", _module("LayerNorm", 256), (64, 64, 256), None),
    ("InstanceNorm2d 16", _module("InstanceNorm2d", 16, affine=True), (64, 16, 16, 16), None),
    ("Linear 400->120", _module("Linear", 400, 120), (64, 400), 2.0),
    ("Linear 120->84", _module("Linear", 120, 84), (64, 120), 2.0),
    ("Linear 84->10", _module("Linear", 84, 10), (64, 84), 2.0),
    ("Linear 400->120", _module("Linear", 400, 120), (1, 400), 2.0),
    ("ReLU", _module("ReLU"), (64, 6, 28, 28), None),
]

_rng = np.random.default_rng(1)
# (label, loss factory, input shape, target array, target ratio)
_LOSSES = [
    ("CrossEntropyLoss", _module("CrossEntropyLoss"), (64, 10), _rng.integers(0, 10, 64), 2.0),
    ("CrossEntropyLoss", _module("CrossEntropyLoss"), (1, 10), _rng.integers(0, 10, 1), 2.0),
    ("MSELoss", _module("MSELoss"), (64, 10), _rng.standard_normal((64, 10)).astype(np.float32), None),
]


def cases() -> list:
    """(name, make, target) for every layer and loss case, forward + backward."""
    out = [(f"{label}, {_shape(shape)}", layer_fwd_bwd(build, *shape), target)
           for label, build, shape, target in _LAYERS]
    out += [(f"{label}, {_shape(shape)}", loss_fwd_bwd(build, shape, y), target)
            for label, build, shape, y, target in _LOSSES]
    return out
