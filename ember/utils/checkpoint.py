"""Activation checkpointing (``torch.utils.checkpoint``): run a segment without keeping its intermediate
activations, and run it again during backward to get them, trading compute for memory.

Both flavours run the segment under ``no_grad`` and recompute it in the backward of one ``Function`` node, with
the random-number state of the first run restored, so the gradients equal those of the plain forward. The
recomputation's own backward accumulates the gradients of every leaf the segment reads (parameters, tensors in
closures), as PyTorch's reentrant flavour does. The parameters of a checkpointed ``Module`` (or bound method of
one) count as inputs, so the node is recorded even when no explicit input needs a gradient; a plain function given
no input that needs one runs with autograd recording under ``use_reentrant=False`` (its closure may hold
parameters), and warns under ``use_reentrant=True``, as PyTorch.
"""
from __future__ import annotations

import warnings
from contextlib import nullcontext

from .. import _naming
from .._random import get_rng_state, set_rng_state
from .._tensor import Tensor
from ..autograd import Function, backward
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointFunction", "detach_variable", "noop_context_fn"]


def noop_context_fn():
    """The default ``context_fn``: no context around the forward and the recomputation."""
    return nullcontext(), nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Tensors of ``inputs`` detached, keeping their ``requires_grad``; other values as they are."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    return tuple(x.detach().requires_grad_(x.requires_grad) if isinstance(x, Tensor) else x for x in inputs)


class CheckpointFunction(Function):
    """The node of a checkpointed segment: forward without a graph, backward by recomputation."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, n_args, kwargs, *args):
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        ctx.n_args = n_args
        ctx.kwargs = kwargs
        if preserve_rng_state:
            ctx.rng_state = get_rng_state()
        ctx.inputs = args
        with no_grad():
            return run_function(*args[:n_args], **kwargs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        args = ctx.inputs
        n = ctx.n_args
        detached = detach_variable(tuple(args[:n]))
        params = args[n:]
        if ctx.preserve_rng_state:
            outer = get_rng_state()
            set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_function(*detached, **ctx.kwargs)
        finally:
            if ctx.preserve_rng_state:
                set_rng_state(outer)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        # as PyTorch's reentrant backward: leaves the segment reads (parameters, closures) get their gradients
        # accumulated by this inner backward; the explicit inputs' gradients are returned to the outer one
        backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = [x.grad if isinstance(x, Tensor) else None for x in detached]
        return (None, None, None, None, *grads, *[None] * len(params))


def _module_parameters(function) -> tuple:
    """The parameters of ``function`` when it is a Module or a bound method of one (they need gradients)."""
    owner = getattr(function, "__self__", function)
    parameters = getattr(owner, "parameters", None)
    if not callable(parameters):
        return ()
    try:
        return tuple(p for p in parameters() if isinstance(p, Tensor))
    except TypeError:
        return ()


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=noop_context_fn,
               determinism_check: str = "default", debug: bool = False, preserve_rng_state: bool = True,
               **kwargs):
    """``function(*args, **kwargs)`` without storing its activations; backward recomputes them.

    The gradients equal those of calling ``function`` directly (random ops draw the same numbers again).
    """
    name = _naming.PACKAGE
    if use_reentrant is None:
        warnings.warn(f"{name}.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
                      f"in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between the "
                      "two variants.", stacklevel=2)
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    params = _module_parameters(function)
    needs_grad = any(isinstance(a, Tensor) and a.requires_grad for a in args + params)
    if not is_grad_enabled():
        return function(*args, **kwargs)
    if not needs_grad:
        if use_reentrant:
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
            return CheckpointFunction.apply(function, preserve_rng_state, len(args), kwargs, *args)
        return function(*args, **kwargs)
    return CheckpointFunction.apply(function, preserve_rng_state, len(args), kwargs, *args, *params)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a Sequential (or list of modules) in ``segments`` checkpointed chunks; the last chunk runs plainly."""
    if use_reentrant is None:
        warnings.warn(f"{_naming.PACKAGE}.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
                      "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
                      "passed. use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the differences "
                      "between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start: int, end: int, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input

        # the parameters of the chunk's modules are inputs of its node
        forward.parameters = lambda: [p for j in range(start, end + 1) if hasattr(functions[j], "parameters")
                                      for p in functions[j].parameters()]
        return forward

    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
