"""torchvision.models' model registry and weights enums: ``get_model``, ``list_models``, ``get_model_weights``.

ember bundles no pretrained weights and downloads nothing, so every weights enum names torchvision's weights (for
the same ``weights=ResNet18_Weights.IMAGENET1K_V1`` spelling) but asking a builder for them raises an error saying
how to load a torchvision ``state_dict`` file instead.
"""
from __future__ import annotations

import fnmatch
from enum import Enum
from typing import Callable

from ...nn import Module

__all__ = ["WeightsEnum", "get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models"]

_BUILDERS: dict[str, Callable[..., Module]] = {}
_WEIGHTS: dict[str, type] = {}


class WeightsEnum(Enum):
    """Base of the ``*_Weights`` enums: members carry torchvision's weight tags (``IMAGENET1K_V1``...), and
    ``DEFAULT`` aliases the best of them as in torchvision."""

    @classmethod
    def verify(cls, obj) -> "WeightsEnum | None":
        """``obj`` (None, a member, or a name like ``"DEFAULT"`` or ``"ResNet18_Weights.DEFAULT"``) as a member."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name in cls.__members__:
                return cls.__members__[name]
            raise ValueError(f"Invalid {cls.__name__}: {obj!r}")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{obj.__class__.__name__}.")

    def get_state_dict(self, *args, **kwargs):
        """torchvision downloads the weights here; ember cannot (see ``_no_weights``)."""
        raise _no_weights(self)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"


def _no_weights(weights: WeightsEnum) -> RuntimeError:
    builder = next((n for n, w in _WEIGHTS.items() if w is type(weights)), "model")
    return RuntimeError(
        f"ember bundles no pretrained weights and downloads none, so {builder}(weights={weights!r}) cannot load "
        f"them. Build the model with weights=None and load a torchvision state_dict file you have instead: "
        f"model = ember.vision.models.{builder}(); model.load_state_dict(ember.load('{builder}.pth'))")


def _resolve_weights(weights_enum: type, weights, kwargs: dict) -> None:
    """Check a builder's ``weights`` argument (and the legacy ``pretrained=True``) and refuse any pretrained weights.

    torchvision's builders still accept ``pretrained=``: True means ``weights=DEFAULT``, False means None.
    """
    if kwargs.pop("pretrained", False) and weights is None:
        weights = weights_enum.DEFAULT
    weights = weights_enum.verify(weights)
    if weights is not None:
        raise _no_weights(weights)


def register_model(weights_enum: type) -> Callable:
    """Decorator: record a builder under its name with its weights enum (for ``get_model``/``list_models``)."""

    def wrap(builder: Callable[..., Module]) -> Callable[..., Module]:
        _BUILDERS[builder.__name__] = builder
        _WEIGHTS[builder.__name__] = weights_enum
        return builder

    return wrap


def list_models(module=None, include: str | list[str] | None = None,
                exclude: str | list[str] | None = None) -> list[str]:
    """The registered model names, sorted; ``module`` keeps those defined in that module (or package), ``include``
    and ``exclude`` filter with Unix wildcards as in torchvision."""
    names = [n for n, b in _BUILDERS.items()
             if module is None or b.__module__.startswith(module.__name__)]
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)]
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in patterns)]
    return sorted(names)


def get_model_builder(name: str) -> Callable[..., Module]:
    """The builder function registered as ``name`` (case-insensitive, as in torchvision)."""
    name = name.lower()
    if name not in _BUILDERS:
        raise ValueError(f"Unknown model {name}")
    return _BUILDERS[name]


def get_model(name: str, **config) -> Module:
    """Build the model registered as ``name``: ``get_model("resnet18", num_classes=10)``."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Callable | str) -> type:
    """The weights enum class of a model, given its name or its builder."""
    key = name.__name__ if callable(name) else name.lower()
    if key not in _WEIGHTS:
        raise ValueError(f"Unknown model {name}")
    return _WEIGHTS[key]


def get_weight(name: str) -> WeightsEnum:
    """The weights member named ``"ResNet50_Weights.IMAGENET1K_V2"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    enum = next((w for w in _WEIGHTS.values() if w.__name__ == enum_name), None)
    if enum is None:
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return enum[value_name]

