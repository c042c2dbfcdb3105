"""Adafactor: Adam's second moment kept factored (one row and one column average per matrix), a relative step
size, and update clipping."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, wrap
from ._updates import tick
from .optimizer import Optimizer, scalar_tensor, zeros_state


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern), as PyTorch computes it.

    Per step t: ``beta2 = 1 - t ** beta2_decay``, ``rho = min(lr, 1 / sqrt(t))``,
    ``alpha = max(eps2, RMS(p)) * rho``; decoupled weight decay ``p *= 1 - lr * weight_decay``; for a matrix (or a
    stack of them) the squared gradient's row and column means are averaged with ``beta2`` and their product over
    the rows' mean estimates the second moment, for a vector the squared gradient itself; the update
    ``g / sqrt(max(v, eps1**2))`` is scaled down to RMS ``d`` at most and ``p -= alpha * update``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        param = p._data
        grad = np.negative(p.grad._data) if group["maximize"] else p.grad._data
        factored = param.ndim > 1
        if not state:
            state["step"] = scalar_tensor()
            if factored:
                state["row_var"] = wrap(np.zeros(param.shape[:-1] + (1,), param.dtype))
                state["col_var"] = wrap(np.zeros(param.shape[:-2] + (1,) + param.shape[-1:], param.dtype))
            else:
                state["variance"] = zeros_state(p)
        step = tick(state["step"])
        eps1, eps2 = group["eps"]
        eps1 = np.finfo(param.dtype).eps if eps1 is None else eps1
        lr = group["lr"]
        beta2 = 1 - step ** group["beta2_decay"]
        rho = min(lr, 1 / math.sqrt(step))
        alpha = max(eps2, float(np.linalg.norm(param.ravel())) / math.sqrt(param.size)) * rho
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        square = grad * grad
        if factored:
            row, col = state["row_var"]._data, state["col_var"]._data
            row += (1 - beta2) * (square.mean(-1, keepdims=True) - row)
            col += (1 - beta2) * (square.mean(-2, keepdims=True) - col)
            variance = row * col / np.maximum(row.mean(-2, keepdims=True), eps1)
        else:
            variance = state["variance"]._data
            variance += (1 - beta2) * (square - variance)
        update = grad / np.sqrt(np.maximum(variance, eps1 * eps1))
        rms = float(np.linalg.norm(update.ravel())) / math.sqrt(update.size)
        param -= (alpha / max(1.0, rms / group["d"])) * update
