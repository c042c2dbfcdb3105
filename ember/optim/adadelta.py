"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import add_scaled_, decay_add_square_, direction, tick
from .optimizer import Optimizer, check_lr, check_nonnegative, scalar_tensor, zeros_state


class Adadelta(Optimizer):
    """Adadelta.

    ``v = rho * v + (1 - rho) * g**2``, ``dx = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho * u + (1 - rho) * dx**2``, ``p -= lr * dx``.
    """

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach: bool | None = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(weight_decay, "weight_decay value")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["square_avg"] = zeros_state(p)
            state["acc_delta"] = zeros_state(p)
        rho, eps = group["rho"], group["eps"]
        tick(state["step"])
        grad = direction(p._data, p.grad._data, group["weight_decay"], group["maximize"])
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        decay_add_square_(square_avg, grad, rho)
        std = np.add(square_avg, eps)
        np.sqrt(std, out=std)
        delta = np.add(acc_delta, eps)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        decay_add_square_(acc_delta, delta, rho)
        add_scaled_(p._data, delta, -group["lr"])
