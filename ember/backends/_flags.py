"""``flags(...)``: the context manager each backend module has, setting its module's flags for a block."""
from __future__ import annotations

import contextlib
from types import ModuleType


@contextlib.contextmanager
def set_flags(module: ModuleType, **values):
    """Set the given attributes of ``module`` (None leaves one unchanged), restoring them on exit."""
    values = {name: value for name, value in values.items() if value is not None}
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
