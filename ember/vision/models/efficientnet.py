"""EfficientNet B0-B7 (Tan and Le, 2019) and EfficientNetV2 S/M/L (Tan and Le, 2021) as torchvision builds them."""
from __future__ import annotations

import copy
import math
from functools import partial
from typing import Callable

from ... import nn
from ._api import WeightsEnum, _resolve_weights, register_model
from ._layers import (Conv2dNormActivation, SqueezeExcitation, StochasticDepth, _init_mobile_net,
                      _make_divisible)

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
           "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights", "EfficientNet_B6_Weights",
           "EfficientNet_B7_Weights", "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights",
           "EfficientNet_V2_L_Weights", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
           "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_s",
           "efficientnet_v2_m", "efficientnet_v2_l"]


class _MBConvConfig:
    """One stage of the paper's tables: expansion ratio, kernel, first stride, widths, number of layers, and the
    block class that builds it."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block: Callable[..., nn.Module]) -> None:
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers
        self.block = block

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """An MBConv stage (EfficientNet's Table 1), widths scaled by ``width_mult`` and depth by ``depth_mult``
    (rounded up)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0,
                 block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), int(math.ceil(num_layers * depth_mult)),
                         block or MBConv)


class FusedMBConvConfig(_MBConvConfig):
    """A FusedMBConv stage (EfficientNetV2's Table 4)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         block or FusedMBConv)


class _StochasticResidual(nn.Module):
    """What MBConv and FusedMBConv share: the stride check, and a ``block`` whose output, when the shapes allow,
    is added to the input through stochastic depth."""

    def __init__(self, cnf: _MBConvConfig) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels

    def _set_block(self, layers: list[nn.Module], cnf: _MBConvConfig, stochastic_depth_prob: float) -> None:
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class MBConv(_StochasticResidual):
    """Mobile inverted bottleneck: 1x1 expansion, depthwise conv, squeeze-excitation, linear 1x1 projection (SiLU
    throughout), with stochastic depth on the residual branch."""

    def __init__(self, cnf: _MBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., nn.Module],
                 se_layer: Callable[..., nn.Module] = SqueezeExcitation) -> None:
        super().__init__(cnf)
        layers: list[nn.Module] = []
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded_channels, squeeze_channels, activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self._set_block(layers, cnf, stochastic_depth_prob)


class FusedMBConv(_StochasticResidual):
    """EfficientNetV2's fused block: one full kxk conv in place of the 1x1 expansion and the depthwise conv, then a
    linear 1x1 projection (when expanding), with stochastic depth on the residual branch."""

    def __init__(self, cnf: _MBConvConfig, stochastic_depth_prob: float,
                 norm_layer: Callable[..., nn.Module]) -> None:
        super().__init__(cnf)
        layers: list[nn.Module] = []
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels, kernel_size=cnf.kernel,
                                               stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU))
            layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=None))
        else:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                               stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU))
        self._set_block(layers, cnf, stochastic_depth_prob)


class EfficientNet(nn.Module):
    """A SiLU 3x3 stem, one Sequential of (Fused)MBConv blocks per stage (stochastic depth growing linearly with
    depth up to ``stochastic_depth_prob``), a 1x1 conv to 4x the last width, global average pool, dropout, ``Linear``."""

    def __init__(self, inverted_residual_setting: list[_MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Callable[..., nn.Module] | None = None, last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        layers: list[nn.Module] = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels,
                                                        kernel_size=3, stride=2, norm_layer=norm_layer,
                                                        activation_layer=nn.SiLU)]
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = last_channel if last_channel is not None else 4 * lastconv_input_channels
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(lastconv_output_channels, num_classes))
        _init_mobile_net(self, _init_classifier)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _init_classifier(m: nn.Linear) -> None:
    init_range = 1.0 / math.sqrt(m.out_features)
    nn.init.uniform_(m.weight, -init_range, init_range)


def _efficientnet_b_conf(width_mult: float, depth_mult: float) -> list[_MBConvConfig]:
    bneck_conf = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [
        bneck_conf(1, 3, 1, 32, 16, 1),
        bneck_conf(6, 3, 2, 16, 24, 2),
        bneck_conf(6, 5, 2, 24, 40, 2),
        bneck_conf(6, 3, 2, 40, 80, 3),
        bneck_conf(6, 5, 1, 80, 112, 3),
        bneck_conf(6, 5, 2, 112, 192, 4),
        bneck_conf(6, 3, 1, 192, 320, 1),
    ]


def _efficientnet_v2_conf(size: str) -> list[_MBConvConfig]:
    fused, mb = FusedMBConvConfig, MBConvConfig
    if size == "s":
        return [fused(1, 3, 1, 24, 24, 2), fused(4, 3, 2, 24, 48, 4), fused(4, 3, 2, 48, 64, 4),
                mb(4, 3, 2, 64, 128, 6), mb(6, 3, 1, 128, 160, 9), mb(6, 3, 2, 160, 256, 15)]
    if size == "m":
        return [fused(1, 3, 1, 24, 24, 3), fused(4, 3, 2, 24, 48, 5), fused(4, 3, 2, 48, 80, 5),
                mb(4, 3, 2, 80, 160, 7), mb(6, 3, 1, 160, 176, 14), mb(6, 3, 2, 176, 304, 18),
                mb(6, 3, 1, 304, 512, 5)]
    return [fused(1, 3, 1, 32, 32, 4), fused(4, 3, 2, 32, 64, 7), fused(4, 3, 2, 64, 96, 7),
            mb(4, 3, 2, 96, 192, 10), mb(6, 3, 1, 192, 224, 19), mb(6, 3, 2, 224, 384, 25),
            mb(6, 3, 1, 384, 640, 7)]


# B5-B7 were ported from TensorFlow with its batch-norm epsilon and momentum; V2 keeps the epsilon
_TF_NORM = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
_V2_NORM = partial(nn.BatchNorm2d, eps=1e-03)


def _efficientnet_b(width_mult: float, depth_mult: float, dropout: float, weights_enum: type, weights, kwargs: dict,
                    norm_layer: Callable[..., nn.Module] | None = None) -> EfficientNet:
    _resolve_weights(weights_enum, weights, kwargs)
    if norm_layer is not None:
        kwargs.setdefault("norm_layer", norm_layer)
    return EfficientNet(_efficientnet_b_conf(width_mult, depth_mult), kwargs.pop("dropout", dropout), **kwargs)


def _efficientnet_v2(size: str, dropout: float, weights_enum: type, weights, kwargs: dict) -> EfficientNet:
    _resolve_weights(weights_enum, weights, kwargs)
    kwargs.setdefault("norm_layer", _V2_NORM)
    return EfficientNet(_efficientnet_v2_conf(size), kwargs.pop("dropout", dropout), last_channel=1280, **kwargs)


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B1_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    IMAGENET1K_V2 = "IMAGENET1K_V2"
    DEFAULT = "IMAGENET1K_V2"


class EfficientNet_B2_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B3_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B4_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B5_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B6_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_B7_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_V2_M_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class EfficientNet_V2_L_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


@register_model(EfficientNet_B0_Weights)
def efficientnet_b0(*, weights: EfficientNet_B0_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B0 (width and depth 1.0, dropout 0.2)."""
    return _efficientnet_b(1.0, 1.0, 0.2, EfficientNet_B0_Weights, weights, kwargs)


@register_model(EfficientNet_B1_Weights)
def efficientnet_b1(*, weights: EfficientNet_B1_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B1 (width 1.0, depth 1.1, dropout 0.2)."""
    return _efficientnet_b(1.0, 1.1, 0.2, EfficientNet_B1_Weights, weights, kwargs)


@register_model(EfficientNet_B2_Weights)
def efficientnet_b2(*, weights: EfficientNet_B2_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B2 (width 1.1, depth 1.2, dropout 0.3)."""
    return _efficientnet_b(1.1, 1.2, 0.3, EfficientNet_B2_Weights, weights, kwargs)


@register_model(EfficientNet_B3_Weights)
def efficientnet_b3(*, weights: EfficientNet_B3_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B3 (width 1.2, depth 1.4, dropout 0.3)."""
    return _efficientnet_b(1.2, 1.4, 0.3, EfficientNet_B3_Weights, weights, kwargs)


@register_model(EfficientNet_B4_Weights)
def efficientnet_b4(*, weights: EfficientNet_B4_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B4 (width 1.4, depth 1.8, dropout 0.4)."""
    return _efficientnet_b(1.4, 1.8, 0.4, EfficientNet_B4_Weights, weights, kwargs)


@register_model(EfficientNet_B5_Weights)
def efficientnet_b5(*, weights: EfficientNet_B5_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B5 (width 1.6, depth 2.2, dropout 0.4)."""
    return _efficientnet_b(1.6, 2.2, 0.4, EfficientNet_B5_Weights, weights, kwargs, _TF_NORM)


@register_model(EfficientNet_B6_Weights)
def efficientnet_b6(*, weights: EfficientNet_B6_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B6 (width 1.8, depth 2.6, dropout 0.5)."""
    return _efficientnet_b(1.8, 2.6, 0.5, EfficientNet_B6_Weights, weights, kwargs, _TF_NORM)


@register_model(EfficientNet_B7_Weights)
def efficientnet_b7(*, weights: EfficientNet_B7_Weights | None = None, progress: bool = True,
                    **kwargs) -> EfficientNet:
    """EfficientNet-B7 (width 2.0, depth 3.1, dropout 0.5)."""
    return _efficientnet_b(2.0, 3.1, 0.5, EfficientNet_B7_Weights, weights, kwargs, _TF_NORM)


@register_model(EfficientNet_V2_S_Weights)
def efficientnet_v2_s(*, weights: EfficientNet_V2_S_Weights | None = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-S (dropout 0.2)."""
    return _efficientnet_v2("s", 0.2, EfficientNet_V2_S_Weights, weights, kwargs)


@register_model(EfficientNet_V2_M_Weights)
def efficientnet_v2_m(*, weights: EfficientNet_V2_M_Weights | None = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-M (dropout 0.3)."""
    return _efficientnet_v2("m", 0.3, EfficientNet_V2_M_Weights, weights, kwargs)


@register_model(EfficientNet_V2_L_Weights)
def efficientnet_v2_l(*, weights: EfficientNet_V2_L_Weights | None = None, progress: bool = True,
                      **kwargs) -> EfficientNet:
    """EfficientNetV2-L (dropout 0.4)."""
    return _efficientnet_v2("l", 0.4, EfficientNet_V2_L_Weights, weights, kwargs)
