"""``skip_init``: build a module without running its initialisation, in PyTorch's sense."""
from __future__ import annotations

import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """An instance of ``module_cls``. PyTorch builds it on the meta device and allocates uninitialised storage;
    ember builds it normally (the values are then defined, which no caller of skip_init can rely on anyway)."""
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)
