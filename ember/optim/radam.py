"""RAdam: Adam with a rectified adaptive learning rate."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import adam_moments_
from .optimizer import Optimizer, check_adam_family, scalar_tensor, zeros_state


class RAdam(Optimizer):
    """RAdam: rectified Adam, plain momentum SGD while the variance estimate is unreliable.

    ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g**2``,
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)`` with ``rho_inf = 2 / (1 - beta2) - 1``; if ``rho_t > 5``
    ``p -= lr * m_hat * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t`` with the rectification ``r_t``, else
    ``p -= lr * m_hat`` (``m_hat = m / (1 - beta1**t)``).
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        check_adam_family(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
        param, _, step, exp_avg, exp_avg_sq = adam_moments_(p, state, group)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        bias_correction2 = 1 - beta2 ** step
        update = np.divide(exp_avg, 1 - beta1 ** step)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            adaptive = np.sqrt(exp_avg_sq)
            adaptive += group["eps"]
            np.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
            update *= adaptive
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        param -= update
