"""The user's allow-list for ``weights_only`` loads: ``add_safe_globals``, ``safe_globals``, as in PyTorch.

A global is registered under the name a checkpoint gives it: its module path, and for ember's own classes also
PyTorch's path (``ember.nn.modules.linear.Linear`` as ``torch.nn.modules.linear.Linear``), so files written by
either library find it.
"""
from __future__ import annotations

import contextlib

from .._naming import torch_name
from ._unpickler import SAFE_GLOBALS


def _names(entry) -> tuple[object, list[tuple[str, str]]]:
    if isinstance(entry, tuple):
        obj, full = entry
        module, _, name = full.rpartition(".")
        return obj, [(module, name)]
    module, name = entry.__module__, entry.__qualname__
    return entry, list({(module, name), (torch_name(module), name)})


def add_safe_globals(safe_globals: list) -> None:
    """Trust these classes and functions in ``load(weights_only=True)``; an entry may be ``(obj, "module.name")``
    for an object the file names differently."""
    for entry in safe_globals:
        obj, names = _names(entry)
        for key in names:
            SAFE_GLOBALS[key] = obj


def get_safe_globals() -> list:
    """The objects ``add_safe_globals`` registered, each once."""
    seen: dict[int, object] = {}
    for obj in SAFE_GLOBALS.values():
        seen.setdefault(id(obj), obj)
    return list(seen.values())


def clear_safe_globals() -> None:
    """Forget every global ``add_safe_globals`` registered."""
    SAFE_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """``with safe_globals([...]):`` trusts the globals for the loads inside the block only."""
    saved = dict(SAFE_GLOBALS)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        SAFE_GLOBALS.clear()
        SAFE_GLOBALS.update(saved)
