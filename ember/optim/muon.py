"""Muon: SGD with Nesterov momentum whose update is orthogonalised (Newton-Schulz) before it is applied; for
matrices only."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, zeros_state


def _bfloat16(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to bfloat16 (to nearest, ties to even), held in float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def _newton_schulz(update: np.ndarray, coefficients: tuple, steps: int, eps: float) -> np.ndarray:
    """``steps`` iterations of the quintic Newton-Schulz map from ``update / (||update|| + eps)``: a matrix close
    to the orthogonal factor of ``update``'s polar decomposition. Computed in bfloat16 as PyTorch does (each
    product accumulated in float32 and rounded once), so the result has bfloat16's precision."""
    a, b, c = (np.float32(v) for v in coefficients)
    x = _bfloat16(update)
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    norm = _bfloat16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = _bfloat16(x / _bfloat16(norm + np.float32(eps)))
    for _ in range(steps):
        gram = _bfloat16(x @ x.T)
        poly = _bfloat16(b * gram + c * (gram @ gram))
        x = _bfloat16(a * x + poly @ x)
    return x.T if tall else x


def _adjusted_lr(lr: float, shape: tuple, how: str | None) -> float:
    rows, cols = shape
    if how is None or how == "original":
        return lr * math.sqrt(max(1.0, rows / cols))
    if how == "match_rms_adamw":
        return 0.2 * lr * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """Muon: ``B = momentum * B + g``; ``U = g + momentum * B`` (Nesterov) or ``B``; ``O = NS(U)``;
    ``p *= 1 - lr * weight_decay``; ``p -= adjusted_lr * O`` with ``adjusted_lr = lr * sqrt(max(1, rows / cols))``
    ("original") or ``0.2 * lr * sqrt(max(rows, cols))`` ("match_rms_adamw")."""

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
                 eps: float = 1e-07, ns_steps: int = 5, adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:
            state["momentum_buffer"] = zeros_state(p)
        grad = p.grad._data
        buffer = state["momentum_buffer"]._data
        momentum = group["momentum"]
        buffer += (1 - momentum) * (grad - buffer)
        update = grad + momentum * (buffer - grad) if group["nesterov"] else buffer
        ortho = _newton_schulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        lr = group["lr"]
        p._data *= 1 - lr * group["weight_decay"]
        p._data -= _adjusted_lr(lr, p.shape, group["adjust_lr_fn"]) * ortho.astype(p._data.dtype)
