"""ASGD: averaged stochastic gradient descent."""
from __future__ import annotations

from .._tensor import Tensor
from ._updates import add_scaled_, direction, tick
from .optimizer import Optimizer, check_lr, check_nonnegative, scalar_tensor, zeros_state


class ASGD(Optimizer):
    """Averaged SGD.

    ``p *= 1 - lambd * eta``, ``p -= eta * g``; the average ``ax`` follows ``ax += mu * (p - ax)``; then
    ``eta = lr / (1 + lambd * lr * t)**alpha`` and ``mu = 1 / max(1, t - t0)``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative(weight_decay, "weight_decay value")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["step"] = scalar_tensor()
            state["eta"] = scalar_tensor(group["lr"])
            state["mu"] = scalar_tensor(1.0)
            state["ax"] = zeros_state(p)
        lr, lambd = group["lr"], group["lambd"]
        param = p._data
        step = tick(state["step"])
        grad = direction(param, p.grad._data, group["weight_decay"], group["maximize"])
        # eta and mu are read back from their scalar-dtype tensors, rounded as PyTorch rounds them
        eta, mu = float(state["eta"]._data), float(state["mu"]._data)
        param *= 1 - lambd * eta
        add_scaled_(param, grad, -eta)
        ax = state["ax"]._data
        if mu != 1:
            ax += (param - ax) * mu
        else:
            ax[...] = param
        # the new values pass through the default dtype (as torch.as_tensor rounds them) even when the state
        # tensors are float64 after load_state_dict
        state["eta"]._data[...] = scalar_tensor(lr / ((1 + lambd * lr * step) ** group["alpha"]))._data
        state["mu"]._data[...] = scalar_tensor(1 / max(1, step - group["t0"]))._data
