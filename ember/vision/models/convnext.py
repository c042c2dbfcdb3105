"""ConvNeXt Tiny, Small, Base and Large (Liu et al., 2022) as torchvision builds them."""
from __future__ import annotations

from functools import partial
from typing import Callable

from ... import _creation, nn
from ...nn import functional as F
from ._api import WeightsEnum, _resolve_weights, register_model
from ._layers import Conv2dNormActivation, Permute, StochasticDepth

__all__ = ["ConvNeXt", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
           "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large"]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an ``(N, C, H, W)`` input."""

    def forward(self, x):
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """7x7 depthwise conv, LayerNorm, Linear to 4x, GELU, Linear back (channels last), scaled per channel by
    ``layer_scale``, with stochastic depth on the residual branch."""

    def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(_creation.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        return self.stochastic_depth(self.layer_scale * self.block(input)) + input


class CNBlockConfig:
    """One stage: its width, the width its downsampling layer leads to (None for the last), its depth."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(input_channels={self.input_channels}, out_channels={self.out_channels}, "
                f"num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """A 4x4 stride-4 patchify stem, stages of CNBlocks joined by LayerNorm + 2x2 stride-2 convs, global average,
    and a LayerNorm + Flatten + Linear ``classifier``."""

    def __init__(self, block_setting: list[CNBlockConfig], stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000, block: Callable[..., nn.Module] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not all(isinstance(s, CNBlockConfig) for s in block_setting):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        layers: list[nn.Module] = [Conv2dNormActivation(3, block_setting[0].input_channels, kernel_size=4, stride=4,
                                                        padding=0, norm_layer=norm_layer, activation_layer=None,
                                                        bias=True)]
        total_stage_blocks = sum(cnf.num_layers for cnf in block_setting)
        stage_block_id = 0
        for cnf in block_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        lastblock = block_setting[-1]
        lastconv_output_channels = (lastblock.out_channels if lastblock.out_channels is not None
                                    else lastblock.input_channels)
        self.classifier = nn.Sequential(norm_layer(lastconv_output_channels), nn.Flatten(1),
                                        nn.Linear(lastconv_output_channels, num_classes))

        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


class ConvNeXt_Tiny_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class ConvNeXt_Small_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class ConvNeXt_Base_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


class ConvNeXt_Large_Weights(WeightsEnum):
    IMAGENET1K_V1 = "IMAGENET1K_V1"
    DEFAULT = "IMAGENET1K_V1"


def _convnext(widths: tuple[int, int, int, int], depths: tuple[int, int, int, int], stochastic_depth_prob: float,
              weights_enum: type, weights, kwargs: dict) -> ConvNeXt:
    _resolve_weights(weights_enum, weights, kwargs)
    outs = list(widths[1:]) + [None]
    block_setting = [CNBlockConfig(w, o, d) for w, o, d in zip(widths, outs, depths)]
    return ConvNeXt(block_setting, stochastic_depth_prob=kwargs.pop("stochastic_depth_prob", stochastic_depth_prob),
                    **kwargs)


@register_model(ConvNeXt_Tiny_Weights)
def convnext_tiny(*, weights: ConvNeXt_Tiny_Weights | None = None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-T: widths (96, 192, 384, 768), depths (3, 3, 9, 3)."""
    return _convnext((96, 192, 384, 768), (3, 3, 9, 3), 0.1, ConvNeXt_Tiny_Weights, weights, kwargs)


@register_model(ConvNeXt_Small_Weights)
def convnext_small(*, weights: ConvNeXt_Small_Weights | None = None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-S: widths (96, 192, 384, 768), depths (3, 3, 27, 3)."""
    return _convnext((96, 192, 384, 768), (3, 3, 27, 3), 0.4, ConvNeXt_Small_Weights, weights, kwargs)


@register_model(ConvNeXt_Base_Weights)
def convnext_base(*, weights: ConvNeXt_Base_Weights | None = None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-B: widths (128, 256, 512, 1024), depths (3, 3, 27, 3)."""
    return _convnext((128, 256, 512, 1024), (3, 3, 27, 3), 0.5, ConvNeXt_Base_Weights, weights, kwargs)


@register_model(ConvNeXt_Large_Weights)
def convnext_large(*, weights: ConvNeXt_Large_Weights | None = None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-L: widths (192, 384, 768, 1536), depths (3, 3, 27, 3)."""
    return _convnext((192, 384, 768, 1536), (3, 3, 27, 3), 0.5, ConvNeXt_Large_Weights, weights, kwargs)
