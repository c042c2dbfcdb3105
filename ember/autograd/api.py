"""The entry points of the engine: ``backward`` (into the leaves' ``.grad``) and ``grad`` (returned)."""
from __future__ import annotations

from .._creation import full_like, ones_like, zeros_like
from . import engine
from .function import accumulator_of


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _initial_grads(outputs: list, grads: list) -> list:
    out = []
    for i, t in enumerate(outputs):
        g = grads[i] if i < len(grads) else None
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(t)
        elif not hasattr(g, "_data"):
            g = full_like(t, g)
        elif g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                               f"shape of {t.shape}.")
        out.append(g)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (only into ``inputs`` when given)."""
    tensors = _as_list(tensors)
    grads = _initial_grads(tensors, _as_list(grad_tensors if grad_tensors is not None else grad_variables))
    _check_outputs(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_list(inputs)
        found = grad(tensors, inputs, grads, retain_graph=retain_graph, create_graph=create_graph,
                     allow_unused=True)
        for t, g in zip(inputs, found):
            if g is not None:
                t._grad = g if t._grad is None else t._grad + g
        return
    engine.run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False, only_inputs=True,
         allow_unused=None, is_grads_batched: bool = False, materialize_grads: bool = False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``."""
    outputs = _as_list(outputs)
    single = not isinstance(inputs, (list, tuple))
    inputs = _as_list(inputs)
    grads = _initial_grads(outputs, _as_list(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator_of(t), 0)
        capture[key] = i
    _check_outputs(outputs)
    found = engine.run_backward(outputs, grads, retain_graph, create_graph, capture=capture)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if materialize_grads:
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


def _check_outputs(outputs: list) -> None:
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
