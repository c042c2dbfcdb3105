"""The Optimizer base: parameter groups, per-parameter state, hooks and PyTorch-layout state_dicts."""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap
from ..autograd.grad_mode import enable_grad
from ..utils.hooks import RemovableHandle, _add_hook

StateDict = dict[str, Any]


class _RequiredParameter:
    """Marks an optimizer default that every parameter group must set itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_step_pre_hooks: OrderedDict = OrderedDict()
_global_step_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's ``step``."""
    return _add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's ``step``."""
    return _add_hook(_global_step_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    """Wrap a ``step`` so the pre/post hooks run around it and learning-rate schedulers can see it was called."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        # as in PyTorch, the hooks see ``args`` with the optimizer first, and a pre-hook's new args must keep it
        self = args[0]
        for hook in (*_global_step_pre_hooks.values(), *self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"<function {type(self).__name__}.step at {id(step):#x}> must return None or a "
                                       f"tuple of (new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        self._opt_called = True
        out = step(*args, **kwargs)
        for hook in (*self._optimizer_step_post_hooks.values(), *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._with_step_hooks = True
    return wrapper


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _plain(value):
    """A hyperparameter as a number: a 1-element tensor (a tensor ``lr``) becomes a NumPy scalar of its dtype, so
    that arithmetic on it rounds as PyTorch's 0-d tensor arithmetic does (a float32 ``lr / bias_correction``)."""
    if isinstance(value, Tensor):
        return value._data.reshape(())[()]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def scalar_tensor(value: float = 0.0) -> Tensor:
    """A 0-d tensor for scalar state such as ``step``: float32, or float64 when that is the default dtype."""
    np_dtype = np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32
    return wrap(np.array(value, dtype=np_dtype))


def zeros_state(p: Tensor) -> Tensor:
    """A zero-filled state buffer with the parameter's shape and dtype."""
    return wrap(np.zeros_like(p._data))


class Optimizer:
    """Base class of all optimizers: holds ``param_groups`` (dicts of tensors and options) and ``state``.

    Subclasses implement ``_update(p, group)``, the in-place update of one parameter whose ``grad`` is set, where
    ``group`` holds the group's options as plain Python numbers; ``step`` loops over the parameters. A subclass may
    instead define its own ``step`` (as PyTorch tutorials do); the step hooks run around it either way.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__ and not getattr(cls.__dict__["step"], "_with_step_hooks", False):
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got {_typename(params)}")
        self.state: defaultdict[Tensor, dict] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_optimizer_step_pre_hooks" not in self.__dict__:
            self._init_hooks()
        for group in self.param_groups:
            for name, default in self.defaults.items():
                group.setdefault(name, default)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state and "step" in p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = scalar_tensor(float(p_state["step"]))

    def __repr__(self) -> str:
        blocks = []
        for i, group in enumerate(self.param_groups):
            options = "".join(f"\n    {key}: {group[key]}" for key in sorted(group) if key != "params")
            blocks.append(f"Parameter Group {i}{options}")
        # PyTorch separates the groups with a blank line
        return f"{type(self).__name__} (\n" + "\n\n".join(blocks) + "\n)"

    # -- parameter groups ----------------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options; missing ones come from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not self.defaults.get("differentiable") and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        new = param_group["params"]
        if len(new) != len(set(new)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        existing: set[Tensor] = set()
        for group in self.param_groups:
            existing.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. cannot add param group "
                                 f"{which} to the optimizer")
        if not existing.isdisjoint(new):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad._data[...] = 0
                p.grad._bump()

    # -- stepping --------------------------------------------------------------------------------------------------
    @_with_step_hooks
    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step; ``closure`` (re-evaluating the loss, with grad enabled) is optional."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            options = {k: _plain(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, options)
                    p._bump()
        return loss

    def _update(self, p: Tensor, group: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- hooks -------------------------------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before ``step``; it may return new ``(args, kwargs)``."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` runs before ``state_dict`` builds its result."""
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend=prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` runs on the result of ``state_dict``; it may return a replacement."""
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend=prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` runs before loading; it may return a replacement state_dict."""
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend=prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` runs after ``load_state_dict``."""
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend=prepend)

    # -- state dicts -------------------------------------------------------------------------------------------------
    def state_dict(self) -> StateDict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``: parameters become their
        position across the groups, state tensors are shared, not copied."""
        for hook in tuple(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        result = {"state": state, "param_groups": groups}
        for hook in tuple(self._optimizer_state_dict_post_hooks.values()):
            replaced = hook(self, result)
            if replaced is not None:
                result = replaced
        return result

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a ``state_dict()``: options per group and state per parameter, floating state cast to the
        parameter's dtype (``step`` is kept as saved)."""
        state_dict = state_dict.copy()
        for hook in tuple(self._optimizer_load_state_dict_pre_hooks.values()):
            replaced = hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                             "group")
        params_by_id = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                                chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Tensor, dict] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params_by_id:
                param = params_by_id[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in tuple(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)


def _cast_state(param: Tensor, value, key=None):
    """A loaded state value with its tensors moved to the parameter's floating dtype (except ``step``)."""
    if isinstance(value, Tensor):
        return value if key == "step" or not param.is_floating_point() else value.to(param.dtype)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


def check_nonnegative(value, what: str, nan_ok: bool = False) -> None:
    """PyTorch's ValueError for a negative hyperparameter: ``Invalid learning rate: -0.1``.

    ``nan_ok`` tests ``value < 0`` instead of ``not 0 <= value``, letting NaN through, as SGD does in PyTorch.
    """
    negative = value < 0.0 if nan_ok else not 0.0 <= value
    if negative:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas) -> None:
    """Both betas must lie in [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_adam_family(lr, eps, betas, weight_decay) -> None:
    """The checks every Adam-style optimizer makes, in PyTorch's order."""
    check_lr(lr)
    check_nonnegative(eps, "epsilon value")
    check_betas(betas)
    check_nonnegative(weight_decay, "weight_decay value")


def check_lr(lr, nan_ok: bool = False) -> None:
    """The learning rate: a non-negative number or a 1-element tensor."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    check_nonnegative(lr, "learning rate", nan_ok)
