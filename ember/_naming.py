"""The package name that reprs and messages print: ``ember``, or ``torch`` while ``ember run`` serves a PyTorch
program, so that its printed output reads as PyTorch's (``torch.float32``, ``torch.Size([2])``).

Printers read ``PACKAGE`` when they print, never at import, so one assignment switches them all. The module also
holds the map between PyTorch's module names and ember's, which the import hook and checkpoints use.
"""
from __future__ import annotations

PACKAGE = "ember"


def set_package_name(name: str) -> None:
    """Print ``name`` (``"torch"`` or ``"ember"``) where PyTorch prints ``torch``."""
    global PACKAGE
    PACKAGE = name


# PyTorch's packages -> ember's, longest first; anything below follows by name (torch.nn.init -> ember.nn.init).
# safetensors.torch, which programs use to exchange weights, is built on torch's internals: ember has its own.
_PACKAGES = (("safetensors.torch", "ember.utils.safetensors"), ("torchvision", "ember.vision"), ("torch", "ember"))


def ember_name(torch_name: str) -> str | None:
    """``torch.nn.functional`` -> ``ember.nn.functional``, ``torchvision.models`` -> ``ember.vision.models``;
    None for a name outside PyTorch's packages."""
    for theirs, ours in _PACKAGES:
        if torch_name == theirs or torch_name.startswith(theirs + "."):
            return ours + torch_name[len(theirs):]
    return None


def torch_name(name: str) -> str:
    """``ember.vision.models`` -> ``torchvision.models``, ``ember.nn`` -> ``torch.nn`` (the inverse of
    ``ember_name``); any other name is kept."""
    for theirs, ours in _PACKAGES:
        if name == ours or name.startswith(ours + "."):
            return theirs + name[len(ours):]
    return name
