"""The building blocks torchvision keeps in ``torchvision.ops.misc`` and ``torchvision.ops.stochastic_depth``,
with its module names (so state_dict keys such as ``features.0.1.weight`` come out the same), and the pieces and
weight initialisations that several of its models share."""
from __future__ import annotations

import warnings
from typing import Callable

from ... import _creation
from ...nn import (BatchNorm2d, Conv2d, AdaptiveAvgPool2d, Dropout, GroupNorm, Linear, Module, ReLU, Sequential,
                   Sigmoid, init)
from ...nn import functional as F
from ...ops.shape import cat


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never more than 10% below it:
    the channel rounding of the MobileNet and EfficientNet papers."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _init_mobile_net(model: Module, init_linear: Callable[[Linear], None] | None = None) -> None:
    """torchvision's initialisation of MobileNetV2/V3 and EfficientNet, module by module in order (so the random
    draws follow theirs): convs Kaiming-normal on fan-out, norms the identity, ``Linear`` weights N(0, 0.01) or
    ``init_linear``'s, every bias 0."""
    for m in model.modules():
        if isinstance(m, Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (BatchNorm2d, GroupNorm)):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, Linear):
            if init_linear is None:
                init.normal_(m.weight, 0, 0.01)
            else:
                init_linear(m)
            init.zeros_(m.bias)


class Conv2dNormActivation(Sequential):
    """Conv2d, then a norm layer (BatchNorm2d) and an activation (ReLU) when given; "same" padding by default and a
    conv bias only without a norm layer. Children ``0``, ``1``, ``2`` as in torchvision."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int | None = None, groups: int = 1,
                 norm_layer: Callable[..., Module] | None = BatchNorm2d,
                 activation_layer: Callable[..., Module] | None = ReLU, dilation: int = 1,
                 inplace: bool | None = True, bias: bool | None = None) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[Module] = [Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                                       groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer() if inplace is None else activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(Module):
    """Squeeze-and-excitation: channel weights from the global average, ``scale_activation(fc2(activation(fc1(
    avgpool(x))))) * x`` (Hu et al., 2018)."""

    def __init__(self, input_channels: int, squeeze_channels: int, activation: Callable[..., Module] = ReLU,
                 scale_activation: Callable[..., Module] = Sigmoid) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, input):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))
        return scale * input


class StochasticDepth(Module):
    """Drops whole residual branches in training (``mode="row"``: per sample; ``"batch"``: all at once) with
    probability ``p``, scaling survivors by ``1 / (1 - p)`` (Huang et al., 2016); the identity in eval mode."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        if p < 0.0 or p > 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        if mode not in ("batch", "row"):
            raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
        self.p, self.mode = p, mode

    def forward(self, input):
        if not self.training or self.p == 0.0:
            return input
        survival_rate = 1.0 - self.p
        size = [input.shape[0]] + [1] * (input.ndim - 1) if self.mode == "row" else [1] * input.ndim
        noise = _creation.empty(size, dtype=input.dtype).bernoulli_(survival_rate)
        if survival_rate > 0.0:
            noise = noise / survival_rate
        return input * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"


class MLP(Sequential):
    """Linear layers with an activation and dropout after each hidden one (and dropout after the last), children
    numbered as in torchvision's ``MLP``."""

    def __init__(self, in_channels: int, hidden_channels: list[int], activation_layer: Callable[..., Module] = ReLU,
                 inplace: bool | None = None, bias: bool = True, dropout: float = 0.0) -> None:
        params = {} if inplace is None else {"inplace": inplace}
        layers: list[Module] = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers += [Linear(in_dim, hidden_dim, bias=bias), activation_layer(**params), Dropout(dropout, **params)]
            in_dim = hidden_dim
        layers += [Linear(in_dim, hidden_channels[-1], bias=bias), Dropout(dropout, **params)]
        super().__init__(*layers)


class Permute(Module):
    """``x.permute(dims)`` as a layer."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(self.dims)


class BasicConv2d(Module):
    """Conv2d without bias, BatchNorm2d (eps 0.001), ReLU: the unit of GoogLeNet and Inception v3."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _default_init_weights(init_weights: bool | None, model_name: str) -> bool:
    """GoogLeNet's and Inception v3's ``init_weights``: unset means True, with torchvision's FutureWarning."""
    if init_weights is None:
        warnings.warn(f"The default weight initialization of {model_name} will be changed in future releases of "
                      "torchvision. If you wish to keep the old behavior (which leads to long initialization "
                      "times due to scipy/scipy#11299), please set init_weights=True.", FutureWarning)
        return True
    return init_weights


def _init_trunc_normal(model: Module, std: float) -> None:
    """GoogLeNet's and Inception v3's initialisation: conv and linear weights from a normal truncated to [-2, 2],
    of standard deviation ``std`` or the module's own ``stddev``; batch norms the identity."""
    for m in model.modules():
        if isinstance(m, (Conv2d, Linear)):
            init.trunc_normal_(m.weight, mean=0.0, std=float(getattr(m, "stddev", std)), a=-2, b=2)
        elif isinstance(m, BatchNorm2d):
            init.constant_(m.weight, 1)
            init.constant_(m.bias, 0)


def _transform_input(x):
    """Inputs normalized with ImageNet's mean and std re-normalized to [-1, 1] per channel, as the TensorFlow-ported
    GoogLeNet and Inception v3 weights expect (their ``transform_input=True``)."""
    return cat([x[:, 0].unsqueeze(1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5,
                x[:, 1].unsqueeze(1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5,
                x[:, 2].unsqueeze(1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5], 1)
