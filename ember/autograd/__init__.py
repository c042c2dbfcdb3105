"""``ember.autograd``: backward, grad, Function, grad-mode switches, gradcheck and the legacy Variable."""
from __future__ import annotations

from .api import backward, grad
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["Function", "Variable", "backward", "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "is_grad_enabled", "no_grad", "once_differentiable", "set_detect_anomaly",
           "set_grad_enabled"]


# (enabled, check_nan) of anomaly mode; ember's engine records no forward tracebacks, so the mode is only kept
# and reported (``torch.is_anomaly_enabled``)
_ANOMALY = [False, True]


def is_anomaly_enabled() -> bool:
    return _ANOMALY[0]


def is_anomaly_check_nan_enabled() -> bool:
    return _ANOMALY[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    _ANOMALY[:] = [bool(enabled), bool(check_nan)]


class set_detect_anomaly:
    """Sets anomaly mode at once and, used as a context manager, restores the previous mode on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = list(_ANOMALY)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _ANOMALY[:] = self._previous


class detect_anomaly:
    """Anomaly mode on within the block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._previous = list(_ANOMALY)
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        _ANOMALY[:] = self._previous


def Variable(data, requires_grad: bool = False, volatile: bool = False):
    """The pre-0.4 wrapper: today simply the tensor itself (with ``requires_grad`` set when asked)."""
    if requires_grad:
        data.requires_grad_(True)
    return data
