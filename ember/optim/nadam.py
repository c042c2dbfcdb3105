"""NAdam: Adam with Nesterov momentum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._kernels import addcdiv_, decay_add_square_, direction, lerp_, tick
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
        param = p._data
        lr, weight_decay, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
        step = tick(state["step"])
        grad = direction(param, p.grad._data, weight_decay, group["maximize"],
                         lr if group["decoupled_weight_decay"] else None)
        momentum_decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        # the product lives in a scalar-dtype (float32) tensor, and PyTorch rounds it there every step
        mu_product = state["mu_product"]._data
        mu_product *= mu
        mu_product = float(mu_product)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(exp_avg, grad, 1 - beta1)
        decay_add_square_(exp_avg_sq, grad, beta2)
        denom = np.divide(exp_avg_sq, 1 - beta2 ** step)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
        addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next))
