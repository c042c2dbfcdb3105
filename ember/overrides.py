"""``ember.overrides``: PyTorch's ``__torch_function__`` queries. ember has no tensor-subclass dispatch, so no
argument ever overrides an op: each query answers False, which is what code that checks before dispatching needs."""
from __future__ import annotations

__all__ = ["has_torch_function", "has_torch_function_unary", "has_torch_function_variadic"]


def has_torch_function(relevant_args) -> bool:
    return False


def has_torch_function_unary(arg) -> bool:
    return False


def has_torch_function_variadic(*args) -> bool:
    return False
