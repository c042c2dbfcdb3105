"""Rprop: resilient backpropagation, steps from gradient signs only."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ._updates import tick
from .optimizer import Optimizer, check_lr, scalar_tensor, zeros_state


class Rprop(Optimizer):
    """Rprop.

    Each coordinate's step size grows by ``etas[1]`` while the gradient keeps its sign and shrinks by ``etas[0]``
    when it flips (clamped to ``step_sizes``); after a flip the gradient counts as zero for one step.
    ``p -= sign(g) * step_size``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        grad = p.grad._data
        if not state:
            state["step"] = scalar_tensor()
            state["prev"] = zeros_state(p)
            state["step_size"] = wrap(np.full_like(grad, group["lr"]))
        etaminus, etaplus = group["etas"]
        tick(state["step"])
        grad = -grad if group["maximize"] else np.array(grad)
        prev, step_size = state["prev"]._data, state["step_size"]._data
        factor = np.sign(grad * prev)
        factor[factor > 0] = etaplus
        factor[factor < 0] = etaminus
        factor[factor == 0] = 1
        step_size *= factor
        np.clip(step_size, *group["step_sizes"], out=step_size)
        grad[factor == etaminus] = 0
        p._data -= np.sign(grad) * step_size
        prev[...] = grad
