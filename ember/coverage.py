"""``python -m ember.coverage``: how much of PyTorch's public API ember has, per namespace.

PyTorch's names come from the installed ``torch`` (the oracle, a development dependency), imported only when the
report runs, never by ``import ember``. torchvision is not installed next to a CPU torch here, so its public names
are listed below from torchvision's ``__all__`` lists (transforms and the classification models of torchvision
0.2x).

Usage: ``python -m ember.coverage`` prints the table; ``--missing NS`` lists the names ember lacks in namespace NS
(e.g. ``--missing nn.functional``).
"""
from __future__ import annotations

import argparse
import importlib
import sys
import types
from dataclasses import dataclass

# (label, torch's module, ember's module); "Tensor" compares the classes' attributes.
NAMESPACES = [
    ("top level", "torch", "ember"),
    ("Tensor", "torch.Tensor", "ember.Tensor"),
    ("nn", "torch.nn", "ember.nn"),
    ("nn.functional", "torch.nn.functional", "ember.nn.functional"),
    ("nn.init", "torch.nn.init", "ember.nn.init"),
    ("nn.utils", "torch.nn.utils", "ember.nn.utils"),
    ("optim", "torch.optim", "ember.optim"),
    ("optim.lr_scheduler", "torch.optim.lr_scheduler", "ember.optim.lr_scheduler"),
    ("utils.data", "torch.utils.data", "ember.utils.data"),
    ("autograd", "torch.autograd", "ember.autograd"),
    ("linalg", "torch.linalg", "ember.linalg"),
    ("fft", "torch.fft", "ember.fft"),
    ("distributions", "torch.distributions", "ember.distributions"),
    ("torchvision.transforms", "torchvision.transforms", "ember.vision.transforms"),
    ("torchvision.models", "torchvision.models", "ember.vision.models"),
]

# torchvision.transforms.__all__ (transforms.py and autoaugment.py).
_TRANSFORMS = """Compose ToTensor PILToTensor ConvertImageDtype ToPILImage Normalize Resize CenterCrop Pad Lambda
RandomApply RandomChoice RandomOrder RandomCrop RandomHorizontalFlip RandomVerticalFlip RandomResizedCrop FiveCrop
TenCrop LinearTransformation ColorJitter RandomRotation RandomAffine Grayscale RandomGrayscale RandomPerspective
RandomErasing GaussianBlur InterpolationMode RandomInvert RandomPosterize RandomSolarize RandomAdjustSharpness
RandomAutocontrast RandomEqualize ElasticTransform AutoAugmentPolicy AutoAugment RandAugment TrivialAugmentWide
AugMix""".split()

# torchvision.models: each classification family's __all__ (class, weights enums, builders) and the _api functions.
_MODELS = """AlexNet AlexNet_Weights alexnet
ConvNeXt ConvNeXt_Tiny_Weights ConvNeXt_Small_Weights ConvNeXt_Base_Weights ConvNeXt_Large_Weights convnext_tiny
convnext_small convnext_base convnext_large
DenseNet DenseNet121_Weights DenseNet161_Weights DenseNet169_Weights DenseNet201_Weights densenet121 densenet161
densenet169 densenet201
EfficientNet EfficientNet_B0_Weights EfficientNet_B1_Weights EfficientNet_B2_Weights EfficientNet_B3_Weights
EfficientNet_B4_Weights EfficientNet_B5_Weights EfficientNet_B6_Weights EfficientNet_B7_Weights
EfficientNet_V2_S_Weights EfficientNet_V2_M_Weights EfficientNet_V2_L_Weights efficientnet_b0 efficientnet_b1
efficientnet_b2 efficientnet_b3 efficientnet_b4 efficientnet_b5 efficientnet_b6 efficientnet_b7 efficientnet_v2_s
efficientnet_v2_m efficientnet_v2_l
GoogLeNet GoogLeNetOutputs GoogLeNet_Weights googlenet
Inception3 InceptionOutputs Inception_V3_Weights inception_v3
MaxVit MaxVit_T_Weights maxvit_t
MNASNet MNASNet0_5_Weights MNASNet0_75_Weights MNASNet1_0_Weights MNASNet1_3_Weights mnasnet0_5 mnasnet0_75
mnasnet1_0 mnasnet1_3
MobileNetV2 MobileNet_V2_Weights mobilenet_v2
MobileNetV3 MobileNet_V3_Large_Weights MobileNet_V3_Small_Weights mobilenet_v3_large mobilenet_v3_small
RegNet RegNet_Y_400MF_Weights RegNet_Y_800MF_Weights RegNet_Y_1_6GF_Weights RegNet_Y_3_2GF_Weights
RegNet_Y_8GF_Weights RegNet_Y_16GF_Weights RegNet_Y_32GF_Weights RegNet_Y_128GF_Weights RegNet_X_400MF_Weights
RegNet_X_800MF_Weights RegNet_X_1_6GF_Weights RegNet_X_3_2GF_Weights RegNet_X_8GF_Weights RegNet_X_16GF_Weights
RegNet_X_32GF_Weights regnet_y_400mf regnet_y_800mf regnet_y_1_6gf regnet_y_3_2gf regnet_y_8gf regnet_y_16gf
regnet_y_32gf regnet_y_128gf regnet_x_400mf regnet_x_800mf regnet_x_1_6gf regnet_x_3_2gf regnet_x_8gf regnet_x_16gf
regnet_x_32gf
ResNet ResNet18_Weights ResNet34_Weights ResNet50_Weights ResNet101_Weights ResNet152_Weights
ResNeXt50_32X4D_Weights ResNeXt101_32X8D_Weights ResNeXt101_64X4D_Weights Wide_ResNet50_2_Weights
Wide_ResNet101_2_Weights resnet18 resnet34 resnet50 resnet101 resnet152 resnext50_32x4d resnext101_32x8d
resnext101_64x4d wide_resnet50_2 wide_resnet101_2
ShuffleNetV2 ShuffleNet_V2_X0_5_Weights ShuffleNet_V2_X1_0_Weights ShuffleNet_V2_X1_5_Weights
ShuffleNet_V2_X2_0_Weights shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5 shufflenet_v2_x2_0
SqueezeNet SqueezeNet1_0_Weights SqueezeNet1_1_Weights squeezenet1_0 squeezenet1_1
VGG VGG11_Weights VGG11_BN_Weights VGG13_Weights VGG13_BN_Weights VGG16_Weights VGG16_BN_Weights VGG19_Weights
VGG19_BN_Weights vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn
VisionTransformer ViT_B_16_Weights ViT_B_32_Weights ViT_L_16_Weights ViT_L_32_Weights ViT_H_14_Weights vit_b_16
vit_b_32 vit_l_16 vit_l_32 vit_h_14
SwinTransformer Swin_T_Weights Swin_S_Weights Swin_B_Weights Swin_V2_T_Weights Swin_V2_S_Weights Swin_V2_B_Weights
swin_t swin_s swin_b swin_v2_t swin_v2_s swin_v2_b
get_model get_model_builder get_model_weights get_weight list_models""".split()

_STATIC = {"torchvision.transforms": _TRANSFORMS, "torchvision.models": _MODELS}


def _resolve(path: str):
    """The module (or class, for ``X.Tensor``) at dotted ``path``; None when it cannot be imported."""
    module, _, attr = path.rpartition(".")
    if attr == "Tensor":
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError:
            return None
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


# Where torch keeps helpers that other namespaces import for their own use (TorchScript and __torch_function__
# plumbing, e.g. ``torch.nn.functional.boolean_dispatch``): not part of the namespace that imported them.
_PLUMBING = ("torch._jit_internal", "torch.overrides")


def _is_api(obj, declared: bool) -> bool:
    """Whether a public attribute is API: not a submodule, nor a name imported from typing, the standard library or
    torch's plumbing. Without an ``__all__`` (``declared`` False), only callables count: constants and flags such as
    ``TYPE_CHECKING`` or ``reproducibility_notes`` in ``torch.nn.functional`` are not API."""
    if isinstance(obj, types.ModuleType):
        return False
    module = getattr(obj, "__module__", None) or "torch"
    if module.split(".")[0] != "torch" or module.startswith(_PLUMBING):
        return False
    return declared or callable(obj)


def torch_names(label: str) -> list[str]:
    """PyTorch's public names in namespace ``label``: ``__all__`` where torch defines one, else the attributes not
    starting with ``_``, keeping only API (see ``_is_api``); the Tensor's public attributes for ``Tensor``."""
    torch_path = dict((lab, t) for lab, t, _ in NAMESPACES)[label]
    if torch_path in _STATIC:
        return sorted(_STATIC[torch_path])
    target = _resolve(torch_path)
    if isinstance(target, type):
        return sorted(n for n in dir(target) if not n.startswith("_"))
    declared = getattr(target, "__all__", None)
    names = declared or dir(target)
    return sorted({n for n in names if not n.startswith("_") and hasattr(target, n)
                   and _is_api(getattr(target, n), declared is not None)})


@dataclass
class Row:
    """One namespace's coverage: PyTorch's public names and those ember lacks."""
    label: str
    names: list[str]
    missing: list[str]

    @property
    def have(self) -> int:
        return len(self.names) - len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 * self.have / len(self.names) if self.names else 100.0


def coverage(label: str) -> Row:
    """Compare namespace ``label``'s PyTorch names with ember's (an ember namespace that fails to import has none)."""
    ember_path = dict((lab, e) for lab, _, e in NAMESPACES)[label]
    names = torch_names(label)
    target = _resolve(ember_path)
    missing = names if target is None else [n for n in names if not hasattr(target, n)]
    return Row(label, names, missing)


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table: namespace, ember's count, PyTorch's count, percent."""
    lines = ["| namespace | ember | PyTorch | % |", "|---|---:|---:|---:|"]
    lines += [f"| {r.label} | {r.have} | {len(r.names)} | {r.percent:.0f} |" for r in rows]
    total = sum(len(r.names) for r in rows)
    have = sum(r.have for r in rows)
    lines.append(f"| all | {have} | {total} | {100.0 * have / total:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the coverage table, or with ``--missing NS`` the names ember lacks in NS, one a line."""
    labels = [lab for lab, _, _ in NAMESPACES]
    parser = argparse.ArgumentParser(prog="python -m ember.coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--missing", metavar="NS", choices=labels, help="list the names ember lacks in NS")
    args = parser.parse_args(argv)
    if args.missing:
        print("\n".join(coverage(args.missing).missing))
    else:
        version = importlib.import_module("torch").__version__
        print(f"ember's coverage of PyTorch {version}'s public names")
        print(table([coverage(lab) for lab in labels]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
