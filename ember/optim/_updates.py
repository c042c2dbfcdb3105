"""In-place array kernels shared by the optimizers, in PyTorch's order of floating-point operations.

Every function works on NumPy arrays in their own dtype: scalars are Python floats, which NumPy casts to the
array's dtype (a float32 parameter is updated in float32).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor


def direction(param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool,
              decoupled_lr: float | None = None) -> np.ndarray:
    """The gradient an update follows: negated to maximize, plus L2 weight decay ``weight_decay * param``.

    With ``decoupled_lr`` the decay is applied to the parameter instead (``param *= 1 - lr * weight_decay``, as in
    AdamW). Returns ``grad`` itself when nothing changes, else a new array (``p.grad`` is never written).
    """
    if maximize:
        grad = np.negative(grad)
    if weight_decay != 0:
        if decoupled_lr is not None:
            param *= 1 - decoupled_lr * weight_decay
        else:
            grad = grad + param * weight_decay
    return grad


def tick(step: Tensor) -> float:
    """Advance a 0-d ``step`` state tensor by one, returning the new count."""
    step._data += 1
    return float(step._data)


def lerp_(avg: np.ndarray, target: np.ndarray, weight: float) -> None:
    """``avg += weight * (target - avg)``, written like ``torch.lerp`` (from the nearer end when weight >= 0.5)."""
    diff = np.subtract(target, avg)
    if abs(weight) < 0.5:
        diff *= weight
        avg += diff
    else:
        diff *= weight - 1
        np.add(target, diff, out=avg)


def decay_add_square_(avg: np.ndarray, grad: np.ndarray, beta: float) -> None:
    """``avg = beta * avg + (1 - beta) * grad**2``: the running mean of squared gradients."""
    avg *= beta
    addcmul_(avg, grad, grad, 1 - beta)


def adam_moments_(p: Tensor, state: dict, group: dict) -> tuple:
    """The opening the Adam family (Adam, AdamW, NAdam, RAdam) shares: count the step, take the gradient's
    direction (weight decay coupled or decoupled) and update both moments in ``state``.

    Returns ``(param, grad, step, exp_avg, exp_avg_sq)``, the arrays updated in place.
    """
    param = p._data
    step = tick(state["step"])
    grad = direction(param, p.grad._data, group["weight_decay"], group["maximize"],
                     group["lr"] if group["decoupled_weight_decay"] else None)
    beta1, beta2 = group["betas"]
    exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
    lerp_(exp_avg, grad, 1 - beta1)
    decay_add_square_(exp_avg_sq, grad, beta2)
    return param, grad, step, exp_avg, exp_avg_sq


def addcmul_(out: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    """``out += value * a * b``."""
    tmp = np.multiply(a, value)
    tmp *= b
    out += tmp


def addcdiv_(out: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    """``out += value * a / b``."""
    tmp = np.multiply(a, value)
    tmp /= b
    out += tmp


def add_scaled_(out: np.ndarray, a: np.ndarray, alpha: float) -> None:
    """``out += alpha * a`` (one pass and no temporary when ``alpha == 1``: ``1 * a`` is ``a`` exactly)."""
    if alpha == 1:
        out += a
    else:
        out += np.multiply(a, alpha)
