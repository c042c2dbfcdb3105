"""NAdam: Adam with Nesterov momentum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import adam_moments_, addcdiv_
from .optimizer import Optimizer, check_adam_family, check_nonnegative, scalar_tensor, zeros_state


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a momentum schedule.

    ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``, ``m = lerp(m, g, 1 - beta1)``,
    ``v = beta2 * v + (1 - beta2) * g**2``, ``d = sqrt(v / (1 - beta2**t)) + eps`` and
    ``p -= lr * (1 - mu_t) / (1 - prod mu) * g / d + lr * mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d``.
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_adam_family(lr, eps, betas, weight_decay)
        check_nonnegative(momentum_decay, "momentum_decay value")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["mu_product"] = scalar_tensor(1.0)
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
        param, grad, step, exp_avg, exp_avg_sq = adam_moments_(p, state, group)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        momentum_decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        # the product lives in a scalar-dtype (float32) tensor, and PyTorch rounds it there every step
        mu_product = state["mu_product"]._data
        mu_product *= mu
        mu_product = float(mu_product)
        denom = np.divide(exp_avg_sq, 1 - beta2 ** step)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
        addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next))
