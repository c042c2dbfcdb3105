"""``ember.autograd``: backward, grad, Function, grad-mode switches, gradcheck and the legacy Variable."""
from __future__ import annotations

from .api import backward, grad
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["Function", "Variable", "backward", "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "is_grad_enabled", "no_grad", "once_differentiable", "set_detect_anomaly",
           "set_grad_enabled"]


class set_detect_anomaly:
    """Accepted for compatibility; ember's engine does not record forward tracebacks."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.mode, self.check_nan = mode, check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        pass


class detect_anomaly(set_detect_anomaly):
    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)


def Variable(data, requires_grad: bool = False, volatile: bool = False):
    """The pre-0.4 wrapper: today simply the tensor itself (with ``requires_grad`` set when asked)."""
    if requires_grad:
        data.requires_grad_(True)
    return data
