"""PyTorch's graph-capture entry points as they behave when everything runs eagerly: ``compile`` returns the
model or function itself, ``cond`` calls the branch its predicate picks, and the ``sym_*`` helpers (which work on
symbolic sizes in a traced program) are the plain Python operations on the numbers ember always has."""
from __future__ import annotations

import builtins
import math


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """``torch.compile``: ember has no compiler, so the model (or function) runs as written; used as a decorator
    with arguments, it returns a decorator that does the same."""
    if model is None:
        return lambda fn: fn
    return model


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` (a bool or a one-element tensor) holds, else ``false_fn(*operands)``."""
    return true_fn(*operands) if bool(pred) else false_fn(*operands)


def sym_int(a):
    return int(a)


def sym_float(a):
    return float(a)


def sym_max(a, b):
    return builtins.max(a, b)


def sym_min(a, b):
    return builtins.min(a, b)


def sym_not(a):
    return not a


def sym_sqrt(a):
    return math.sqrt(a)


def sym_sum(args):
    return builtins.sum(args)


def sym_ite(b, t, f):
    return t if b else f


def sym_constrain_range(size, min=None, max=None) -> None:
    """A size constraint for tracing: nothing to constrain for a concrete number."""


def sym_constrain_range_for_size(size, min=None, max=None) -> None:
    """A size constraint for tracing: nothing to constrain for a concrete number."""
