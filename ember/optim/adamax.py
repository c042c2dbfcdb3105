"""Adamax: Adam with the infinity norm."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import addcdiv_, direction, lerp_, tick
from .optimizer import Optimizer, check_adam_family, scalar_tensor, zeros_state


class Adamax(Optimizer):
    """Adamax, the infinity-norm variant of Adam.

    ``m = lerp(m, g, 1 - beta1)``, ``u = max(beta2 * u, |g| + eps)``, ``p -= lr / (1 - beta1**t) * m / u``.
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_adam_family(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["exp_avg"] = zeros_state(p)
            state["exp_inf"] = zeros_state(p)
        beta1, beta2 = group["betas"]
        step = tick(state["step"])
        grad = direction(p._data, p.grad._data, group["weight_decay"], group["maximize"])
        exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
        lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        bound = np.abs(grad)
        bound += group["eps"]
        np.maximum(exp_inf, bound, out=exp_inf)
        addcdiv_(p._data, exp_avg, exp_inf, -(group["lr"] / (1 - beta1 ** step)))
