"""The per-call machinery that runs a module's full backward (pre-)hooks (``torch.utils.hooks.BackwardHook``);
the handles that ``register_*hook`` returns are ``ember.utils.hooks.RemovableHandle``."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Callable

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import STATE

if TYPE_CHECKING:
    from .module import Module


class BackwardHookFunction(Function):
    """Identity on the tensors it is given; its node marks where a module's input or output gradients arrive."""

    @staticmethod
    def forward(ctx, *tensors):
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads


class _BackwardHook:
    """Runs a module's full backward (pre-)hooks for one call: grad_output when the outputs' gradients arrive,
    grad_input (and the hooks that may replace it) when the inputs' gradients do."""

    def __init__(self, module: "Module", hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_slots: list = []
        self.inputs_wrapped = False

    @staticmethod
    def _wrap(values: tuple, on_grads: Callable):
        """Pass the grad-requiring tensors of ``values`` through one identity node; call ``on_grads`` on its
        incoming gradients (laid out like ``values``, None elsewhere). Returns (new values, slots used)."""
        if not STATE.enabled:
            return values, []
        slots = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not slots:
            return values, []
        out = BackwardHookFunction.apply(*(values[i] for i in slots))
        out = out if isinstance(out, tuple) else (out,)
        n = len(values)

        def prehook(grads):
            full = [None] * n
            for i, g in zip(slots, grads):
                full[i] = g
            new = on_grads(tuple(full))
            if new is None:
                return None
            return tuple(new[i] for i in slots)

        out[0].grad_fn.register_prehook(prehook)
        values = list(values)
        for i, t in zip(slots, out):
            values[i] = t
        return tuple(values), slots

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        new_args, self.input_slots = self._wrap(args, self._on_grad_inputs)
        self.inputs_wrapped = bool(self.input_slots)
        return new_args

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        new, slots = self._wrap(outs, self._on_grad_outputs)
        if not slots:
            return result
        return new[0] if single else type(result)(new) if type(result) is tuple else new

    def _on_grad_outputs(self, grad_outputs: tuple):
        changed = False
        for hook in self.pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is not None:
                out = out if isinstance(out, tuple) else (out,)
                if len(out) != len(grad_outputs):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(out)}, but expected {len(grad_outputs)}")
                grad_outputs, changed = out, True
        self.grad_outputs = grad_outputs
        if not self.inputs_wrapped and self.hooks:
            # no input needs a gradient: the hooks still run, with grad_input all None, as in PyTorch
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=5)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                if hook(self.module, grad_inputs, grad_outputs) is not None:
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
        return grad_outputs if changed else None

    def _on_grad_inputs(self, grad_inputs: tuple):
        changed = False
        for hook in self.hooks:
            out = hook(self.module, grad_inputs, self.grad_outputs)
            if out is not None:
                out = out if isinstance(out, tuple) else (out,)
                if len(out) != len(grad_inputs):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                                       f"but expected {len(grad_inputs)}")
                grad_inputs, changed = out, True
        return grad_inputs if changed else None
