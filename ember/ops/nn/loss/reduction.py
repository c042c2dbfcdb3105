"""Helpers shared by the loss functions: reductions, PyTorch's deprecated size_average/reduce, argument checks."""
from __future__ import annotations

import warnings

import numpy as np

from ...._dtype import _type_name
from ....autograd.grad_mode import STATE
from ..._util import broadcast_error

def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The reduction string; the deprecated ``size_average``/``reduce`` flags override it, with PyTorch's warning."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                      stacklevel=3)
        return reduction
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def apply_reduction(loss, reduction: str):
    """Reduce a Tensor of per-element losses."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def reduce_array(loss: np.ndarray, reduction: str) -> np.ndarray:
    """Reduce an array of per-element losses, keeping its dtype."""
    if reduction == "mean":
        return np.asarray(loss.mean(dtype=loss.dtype))
    if reduction == "sum":
        return np.asarray(loss.sum(dtype=loss.dtype))
    return loss


def scale_grad(g, reduction: str, n: int, factor: float = 1.0):
    """The incoming gradient as a factor on per-element derivatives (divided by the count for 'mean')."""
    if reduction == "mean":
        factor = factor / n if n else factor * 0.0
    return g if factor == 1.0 else g * factor


def check_no_grad(name: str, arg: str, t) -> None:
    """PyTorch refuses gradients for class weights and some targets; so does ember, with its message."""
    if t is not None and getattr(t, "requires_grad", False) and STATE.enabled:
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument '{arg}'. This "
                           "input cannot have requires_grad True.")


def check_target_dtype(target) -> None:
    """nll/cross-entropy class targets must be int64 (or uint8), with PyTorch's message."""
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target._data.dtype)}")


def softplus_neg(x):
    """``softplus(-x) = log(1 + exp(-x))`` as differentiable Tensor ops, stable for large |x|."""
    return (-x).clamp(min=0.0) + (-x.abs()).exp().log1p()


def check_broadcast(a: tuple, b: tuple) -> None:
    """PyTorch's broadcasting message for shapes ``a`` and ``b`` (in the order its kernel meets them) that do not
    broadcast together."""
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        raise broadcast_error(a, b) from None
