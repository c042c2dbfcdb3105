"""Adagrad: per-coordinate learning rates from accumulated squared gradients."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ._updates import addcdiv_, addcmul_, direction, tick
from .optimizer import Optimizer, check_lr, check_nonnegative, scalar_tensor


class Adagrad(Optimizer):
    """Adagrad.

    ``s += g**2`` (``s`` starts at ``initial_accumulator_value``), ``p -= lr / (1 + (t - 1) * lr_decay) * g /
    (sqrt(s) + eps)``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        check_nonnegative(lr_decay, "lr_decay value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(initial_accumulator_value, "initial_accumulator_value value")
        check_nonnegative(eps, "epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # unlike the other optimizers, Adagrad creates its state up front (so a fresh state_dict already has it)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = scalar_tensor()
        state["sum"] = wrap(np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            self._init_state(p)
        step = tick(state["step"])
        grad = direction(p._data, p.grad._data, group["weight_decay"], group["maximize"])
        state_sum = state["sum"]._data
        addcmul_(state_sum, grad, grad, 1)
        std = np.sqrt(state_sum)
        std += group["eps"]
        addcdiv_(p._data, grad, std, -(group["lr"] / (1 + (step - 1) * group["lr_decay"])))
