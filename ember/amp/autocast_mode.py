"""``autocast``: the mixed-precision region, its enabled flag and dtype per device type, as PyTorch keeps them."""
from __future__ import annotations

import functools
import warnings

from .. import _dtype
from .._autocast import STATE as _STATE
from .._device import device


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast knows ``device_type`` (PyTorch answers for the device type, not for the hardware)."""
    return device_type in _STATE


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an enabled ``autocast`` region for ``device_type`` (default 'cuda', as in PyTorch) is open."""
    return _state(device_type or "cuda")[0]


def get_autocast_dtype(device_type: str):
    """The dtype autocast would cast to on ``device_type``."""
    return _state(device_type)[1]


def _state(device_type: str) -> list:
    if device_type not in _STATE:
        raise RuntimeError(f"unsupported autocast device_type '{device_type}'")
    return _STATE[device_type]


class autocast:
    """``with autocast('cpu', dtype=ember.bfloat16):`` (also a decorator): a mixed-precision region.

    As in a CPU build of PyTorch, a 'cuda' region warns and stays disabled, and a CPU region with a dtype other than
    bfloat16 or float16 warns and stays disabled. Inside an enabled CPU region the matrix products, linear layers
    and convolutions compute in the region's dtype and the losses in float32 (``ops/_autocast.py``), as PyTorch's
    CPU autocast does; other ops compute in their inputs' dtype.
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        device(device_type)  # PyTorch's error for a name that is no device type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.")
            enabled = False
        elif enabled and device_type == "cpu" and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.")
            enabled = False
        self._enabled = enabled
        self._saved: list = []

    def __enter__(self) -> None:
        state = _STATE[self.device]
        self._saved.append(list(state))
        state[0] = self._enabled
        state[1] = self.fast_dtype

    def __exit__(self, *exc) -> bool:
        _STATE[self.device][:] = self._saved.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorated


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom ``Function.forward`` under autocast; ember runs it as written."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom ``Function.backward`` under autocast; ember runs it as written."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
