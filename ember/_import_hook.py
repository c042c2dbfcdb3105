"""The import hook behind ``ember run``: ``import torch`` / ``import torchvision`` (and their submodules, and
``safetensors.torch``) give ember's modules, and a name ember lacks fails saying so and where the program used it.

A ``sys.meta_path`` finder answers for ``torch``, ``torch.*``, ``torchvision`` and ``torchvision.*`` before any
installed PyTorch is looked at; the module it hands back is ember's own (``torch.nn`` *is* ``ember.nn``), so
``isinstance`` checks, subclassing ``torch.nn.Module`` and monkey-patching all act on ember. Each module it serves
gets a class whose ``__getattr__`` turns a missing name into ``torch.X is not implemented in ember (used at
file:line)``: an ``AttributeError`` for attribute access (``hasattr`` and ``getattr(m, name, default)`` still
work) and an ``ImportError`` inside ``from torch import X`` (so ``try: ... except ImportError`` still works).
"""
from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

import ember
from ._naming import ember_name, torch_name

_EMBER_DIR = os.path.dirname(os.path.abspath(ember.__file__))
_IMPORT_FROM = dis.opmap["IMPORT_FROM"]


class NotImplementedInEmber(AttributeError):
    """``torch.X`` names something ember does not have."""


class ImportNotImplementedInEmber(ImportError):
    """``from torch import X`` names something ember does not have."""


class ModuleNotImplementedInEmber(ModuleNotFoundError):
    """``import torch.X`` names a module ember does not have."""


def _user_frame(frame: types.FrameType | None) -> types.FrameType | None:
    """The innermost frame outside ember and the import machinery: where the program used the name."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (filename.startswith(_EMBER_DIR) or filename.startswith("<frozen")):
            return frame
        frame = frame.f_back
    return None


def _where(frame: types.FrameType | None) -> str:
    frame = _user_frame(frame)
    return "" if frame is None else f" (used at {frame.f_code.co_filename}:{frame.f_lineno})"


def _message(name: str, frame: types.FrameType | None) -> str:
    return f"{name} is not implemented in ember{_where(frame)}"


class _ServedModule(types.ModuleType):
    """The class given to each ember module served as a PyTorch one: its missing names say what is missing."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):  # probes such as __path__ or __file__ stay plain
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        caller = sys._getframe(1)
        full = f"{torch_name(self.__name__)}.{name}"
        if caller.f_code.co_code[caller.f_lasti] == _IMPORT_FROM:
            raise ImportNotImplementedInEmber(_message(full, caller), name=torch_name(self.__name__))
        raise NotImplementedInEmber(_message(full, caller), name=name, obj=self)


def _serve(module: types.ModuleType) -> types.ModuleType:
    if type(module) is types.ModuleType:
        module.__class__ = _ServedModule
    return module


class _EmberLoader(importlib.abc.Loader):
    """Hands back the already imported ember module, leaving its own ``__spec__`` in place."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.ember_spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        # the import system stamped the torch spec on the module; ember's own keeps reload and pickling right
        module.__spec__ = self.ember_spec


class _ServingLoader(importlib.abc.Loader):
    """Loads an ember module as usual, then gives it ``_ServedModule``'s missing-name errors (for modules ember
    imports itself, which a program then reaches as attributes: ``torch.nn.functional``)."""

    def __init__(self, loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        _serve(module)

    def __getattr__(self, name: str):  # get_data, resource readers...: the file loader's own
        return getattr(self.loader, name)


class TorchFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch`` and ``torchvision`` modules in ember (and marks ember's own modules as served)."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname.startswith("ember."):
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _ServingLoader(spec.loader)
            return spec
        target_name = ember_name(fullname)
        if target_name is None:
            return None
        try:
            found = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotImplementedInEmber(_message(fullname, sys._getframe(1)), name=fullname)
        module = _serve(importlib.import_module(target_name))
        return importlib.machinery.ModuleSpec(fullname, _EmberLoader(module),
                                              is_package=hasattr(module, "__path__"))


_FINDER = TorchFinder()


def install() -> None:
    """Serve ``torch``/``torchvision`` from ember in this process (idempotent); a PyTorch already imported here
    is left as it is."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    for name, module in list(sys.modules.items()):
        if name == "ember" or name.startswith("ember."):
            _serve(module)
