"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ._updates import add_scaled_, direction
from .optimizer import Optimizer, check_lr, check_nonnegative


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``g = grad + weight_decay * p``; with momentum ``b = g`` on the first step, then
    ``b = momentum * b + (1 - dampening) * g``, and ``g = g + momentum * b`` (nesterov) or ``g = b``;
    finally ``p -= lr * g``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr, nan_ok=True)
        check_nonnegative(momentum, "momentum value", nan_ok=True)
        check_nonnegative(weight_decay, "weight_decay value", nan_ok=True)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        grad = direction(p._data, p.grad._data, group["weight_decay"], group["maximize"])
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = wrap(np.array(grad))
            else:
                buf._data *= momentum
                add_scaled_(buf._data, grad, 1 - group["dampening"])
            grad = grad + buf._data * momentum if group["nesterov"] else buf._data
        add_scaled_(p._data, grad, -group["lr"])
