"""The ``out=`` keyword of the top-level functions (``ember.add(a, b, out=t)``): one wrapper, applied in
``ember/ops/__init__.py``, that runs the function and writes its result into ``out`` as PyTorch does.

PyTorch's rules: no autograd through ``out=`` (an error when grad mode is on and an argument or ``out`` requires
grad); the result is cast into ``out``'s dtype unless that lowers its category (float into an integer tensor);
an ``out`` of another shape is resized, with a deprecation warning when it held elements; factories make their
values in ``out``'s dtype. Operators and in-place methods are bound to the unwrapped functions
(``_without_out``), so the hot path pays nothing for the keyword.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from .._dtype import _category, _cpp_type_name, _type_name
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .reduce import return_types

_RESIZED = ("An output with one or more elements was resized since it had shape {old}, which does not match the "
            "required output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs will "
            "not be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
            "inplace, to zero elements with t.resize_(0).")


def _any_requires_grad(values) -> bool:
    for v in values:
        if isinstance(v, Tensor):
            if v._requires_grad:
                return True
        elif isinstance(v, (list, tuple)) and _any_requires_grad(v):
            return True
    return False


# how each op checks ``out``'s dtype against its result's: cast unless the category drops, or demand the same
# dtype, in the words of that op's kernel
_DTYPE_ERRORS = {
    "exact": lambda want, got: f"Expected out tensor to have dtype {_cpp_type_name(want)}, but got "
                               f"{_cpp_type_name(got)} instead",
    "found": lambda want, got: f"Found dtype {_type_name(got)} but expected {_type_name(want)}",
    "where": lambda want, got: f"Expected out type to be {_type_name(want)} but got {_type_name(got)}",
}


def _write(result: Tensor, out: Tensor, factory: bool, rule: str) -> Tensor:
    data, target = result._data, out._data
    if rule != "cast" and data.dtype != target.dtype:
        raise RuntimeError(_DTYPE_ERRORS[rule](data.dtype, target.dtype))
    if not factory and _category(data.dtype) > _category(target.dtype):
        raise RuntimeError(f"result type {_type_name(data.dtype)} can't be cast to the desired output type "
                           f"{_type_name(target.dtype)}")
    if target.shape != data.shape:
        if target.size and not factory:
            warnings.warn(_RESIZED.format(old=list(target.shape), new=list(data.shape)), UserWarning, stacklevel=4)
        out._data = target = np.empty(data.shape, target.dtype)
    np.copyto(target, data, casting="unsafe")
    return out._bump()


def with_out(fn, factory: bool = False, rule: str = "cast"):
    """``fn`` taking ``out=`` too: a tensor, or a tuple of tensors for a function returning (values, indices),
    which then returns PyTorch's ``<name>_out`` named tuple. ``rule`` is a key of ``_DTYPE_ERRORS`` or "cast"."""
    name = fn.__name__.rstrip("_")
    named = return_types.make(name + "_out")

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if STATE.enabled and (_any_requires_grad(args) or _any_requires_grad(kwargs.values())
                              or _any_requires_grad(outs)):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if factory and kwargs.get("dtype") is None:
            kwargs["dtype"] = outs[0].dtype
        result = fn(*args, **kwargs)
        if not isinstance(out, (tuple, list)):
            return _write(result, out, factory, rule)
        return named(*(_write(r, o, factory, rule) for r, o in zip(result, outs)))

    wrapper._without_out = fn
    return wrapper
