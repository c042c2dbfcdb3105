"""SparseAdam: Adam for sparse gradients. ember has no sparse tensors, so every gradient it can produce is dense
and the step refuses it with PyTorch's message (PyTorch does the same for a dense gradient)."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import Optimizer, check_adam_family


class SparseAdam(Optimizer):
    """``torch.optim.SparseAdam``'s arguments and checks; ``step`` raises for the dense gradients ember has."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        check_adam_family(lr, eps, betas, 0.0)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))

    def _update(self, p: Tensor, group: dict) -> None:
        raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
