"""Adam (and, with decoupled weight decay, AdamW), optionally AMSGrad."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._updates import adam_moments_, addcdiv_
from .optimizer import Optimizer, check_adam_family, scalar_tensor, zeros_state


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g**2`` (``v_max = max(v_max, v)`` with amsgrad),
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``. Weight decay is added to the gradient,
    or, with ``decoupled_weight_decay``, applied as ``p *= 1 - lr * weight_decay`` (AdamW).
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        check_adam_family(lr, eps, betas, weight_decay)
        if isinstance(betas[0], Tensor) != isinstance(betas[1], Tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_state(p)
        param, _, step, exp_avg, exp_avg_sq = adam_moments_(p, state, group)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if group["amsgrad"]:
            exp_avg_sq = np.maximum(state["max_exp_avg_sq"]._data, exp_avg_sq, out=state["max_exp_avg_sq"]._data)
        denom = np.sqrt(exp_avg_sq)
        denom /= (1 - beta2 ** step) ** 0.5
        denom += group["eps"]
        addcdiv_(param, exp_avg, denom, -lr / (1 - beta1 ** step))
