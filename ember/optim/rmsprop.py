"""RMSprop: gradients divided by a running root mean square."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import add_scaled_, addcdiv_, addcmul_, decay_add_square_, direction, lerp_, tick
from .optimizer import Optimizer, check_lr, check_nonnegative, scalar_tensor, zeros_state


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum.

    ``v = alpha * v + (1 - alpha) * g**2``; centered: ``a = lerp(a, g, 1 - alpha)`` and ``d = sqrt(v - a**2) + eps``,
    else ``d = sqrt(v) + eps``; with momentum ``b = momentum * b + g / d`` and ``p -= lr * b``, else
    ``p -= lr * g / d``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(momentum, "momentum value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(alpha, "alpha value")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["square_avg"] = zeros_state(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = zeros_state(p)
        alpha, momentum, lr = group["alpha"], group["momentum"], group["lr"]
        tick(state["step"])
        grad = direction(p._data, p.grad._data, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]._data
        decay_add_square_(square_avg, grad, alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            lerp_(grad_avg, grad, 1 - alpha)
            avg = np.array(square_avg)
            addcmul_(avg, grad_avg, grad_avg, -1)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            addcdiv_(buf, grad, avg, 1)
            add_scaled_(p._data, buf, -lr)
        else:
            addcdiv_(p._data, grad, avg, -lr)
