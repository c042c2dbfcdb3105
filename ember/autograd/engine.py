"""The backward engine: walks the graph iteratively (no recursion limit), in dependency order."""
from __future__ import annotations

from sys import getrefcount

import numpy as np

from .._tensor import wrap
from .function import _FREED, AccumulateGrad, accumulator_of
from .grad_mode import STATE


def _root_edge(t):
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    return accumulator_of(t), 0


def _dependencies(roots) -> dict:
    """How many edges point at each node reachable from the roots."""
    deps: dict = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node._edges:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _accumulate(buffer: list, nr: int, grad) -> None:
    old = buffer[nr]
    buffer[nr] = grad if old is None else old + grad


def _call_tensor_hooks(hooks, grad):
    for hook in tuple(hooks.values()):  # a copy: a hook may remove itself
        out = hook(grad)
        if out is not None:
            grad = out
    return grad


# one list per backward pass now running, innermost last: a pass nested in another (a checkpoint's recompute,
# a create_graph recompute) runs and clears only its own callbacks
_CALLBACKS: list[list] = []


def queue_callback(callback) -> None:
    """Run ``callback()`` when the innermost backward pass now running ends (PyTorch's
    ``Variable._execution_engine.queue_callback``): DistributedDataParallel waits there for its gradient
    all-reduces, so ``backward()`` returns with averaged gradients."""
    if not _CALLBACKS:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _CALLBACKS[-1].append(callback)


def run_backward(tensors, grads, retain_graph: bool, create_graph: bool, capture: dict | None = None):
    """Propagate ``grads`` from ``tensors`` to the leaves.

    ``capture`` maps (node, output_nr) of the tensors asked for by ``autograd.grad`` to a slot; their gradients
    are returned instead of being accumulated into ``.grad``.
    """
    roots = []
    buffers: dict = {}
    for t, g in zip(tensors, grads):
        node, nr = _root_edge(t)
        if node not in buffers:
            roots.append(node)
            buffers[node] = [None] * node._n_outputs
        _accumulate(buffers[node], nr, g)
    deps = _dependencies(roots)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    captured = [None] * (len(capture) if capture else 0)
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    callbacks: list = []
    _CALLBACKS.append(callbacks)
    try:
        while ready:
            node = ready.pop()
            grad_outputs = buffers.pop(node)
            if capture:
                for nr, g in enumerate(grad_outputs):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = g if captured[slot] is None else captured[slot] + g
            if type(node) is AccumulateGrad:
                if capture is None:
                    _accumulate_into_leaf(node.variable, grad_outputs, create_graph)
                continue
            attrs = node.__dict__
            if node._hooked:
                grad_outputs = _pre_hooks(attrs, grad_outputs)
            if len(grad_outputs) == 1 and grad_outputs[0] is not None or any(g is not None for g in grad_outputs):
                if node._array_forward:  # an Op: its backward called here, one Python call less per node
                    grad_inputs = type(node).backward(node, *grad_outputs)
                    if type(grad_inputs) is not tuple:
                        grad_inputs = (grad_inputs,)
                else:
                    grad_inputs = node._run_backward(grad_outputs)
            else:
                grad_inputs = (None,) * len(node._edges)
            if node._hooked and attrs.get("_post_hooks"):
                grad_inputs = _post_hooks(node, attrs["_post_hooks"], grad_inputs, grad_outputs)
            if not retain_graph and attrs.get("_saved"):
                attrs["_saved"] = _FREED
            for (nxt, nr), g in zip(node._edges, grad_inputs):
                if nxt is None:  # function._NO_EDGE or _NOT_INPUT: no gradient flows there
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt._n_outputs
                        buf[nr] = g
                    else:
                        old = buf[nr]
                        buf[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    if nxt in buffers:
                        ready.append(nxt)
                    else:
                        _skip(nxt, deps, buffers, ready)
            grad_inputs = g = None  # a leaf may keep a gradient only this engine refers to (_unshared_array)
        while callbacks:
            callbacks.pop(0)()
    finally:
        STATE.enabled = prev_mode
        _CALLBACKS.pop()  # a failed pass leaves no callbacks behind for the next one
    return captured


def _pre_hooks(attrs: dict, grad_outputs: list) -> list:
    """Run the tensor hooks on a node's outputs, then the ``retain_grad`` stores (which see what those hooks
    returned), then its pre-hooks; return the (possibly replaced) gradients."""
    for nr, hooks in attrs.get("_tensor_hooks", {}).items():
        if grad_outputs[nr] is not None:
            grad_outputs[nr] = _call_tensor_hooks(hooks, grad_outputs[nr])
    for nr, store in attrs.get("_retain_grad_hooks", {}).items():
        if grad_outputs[nr] is not None:
            store(grad_outputs[nr])
    for hook in tuple(attrs.get("_pre_hooks", {}).values()):
        out = hook(tuple(grad_outputs))
        if out is not None:
            grad_outputs = list(out)
    return grad_outputs


def _post_hooks(node, hooks: dict, grad_inputs, grad_outputs) -> list:
    """Run a node's post-hooks on the gradients of its ``next_functions`` (backward returns one per argument)."""
    positions = node._input_positions()
    grad_inputs = list(grad_inputs) + [None] * (len(node._edges) - len(grad_inputs))
    for hook in tuple(hooks.values()):
        out = hook(tuple([grad_inputs[i] for i in positions]), tuple(grad_outputs))
        if out is not None:
            for i, g in zip(positions, out):
                grad_inputs[i] = g
    return grad_inputs


def _skip(node, deps, buffers, ready) -> None:
    """A node that received no gradient at all: release its dependants without running it."""
    stack = [node]
    while stack:
        n = stack.pop()
        for nxt, _ in n._edges:
            if nxt is None:
                continue
            deps[nxt] -= 1
            if deps[nxt] == 0:
                if nxt in buffers:
                    ready.append(nxt)
                else:
                    stack.append(nxt)


def _accumulate_into_leaf(var, grad_outputs: list, create_graph: bool) -> None:
    """Add the gradient (taken out of ``grad_outputs``, so this frame holds its only engine reference) into
    ``var.grad``."""
    grad = grad_outputs.pop()
    if grad is None:
        return
    hooks = var._hooks
    if hooks:
        grad = _call_tensor_hooks(hooks, grad)
    if grad.shape != var.shape:
        raise RuntimeError(f"Function AccumulateGrad returned an invalid gradient - got {list(grad.shape)} but "
                           f"expected shape compatible with {list(var.shape)}")
    old = var._grad
    if old is None:
        if create_graph:
            var._grad = grad
        else:
            arr = _unshared_array(grad, var._data.dtype)
            var._grad = wrap(arr) if arr is not None else grad.detach()._own_copy(var._data.dtype)
    elif create_graph:
        var._grad = old + grad
    else:
        old._data += grad._data
    hooks = var._post_accumulate_hooks
    if hooks:
        for hook in tuple(hooks.values()):
            hook(var)


# references to the gradient Tensor when nothing else holds it: the names in _accumulate_into_leaf and
# _unshared_array, and getrefcount's argument
_LEAF_GRAD_REFS = 3


def _unshared_array(grad, dtype):
    """``grad``'s array when no other object can reach it, so the leaf may keep it instead of a copy (PyTorch's
    AccumulateGrad steals a gradient nothing else holds the same way); None when it must be copied."""
    arr = grad._data
    if (arr.dtype != dtype or not arr.flags.c_contiguous or not arr.flags.writeable
            or getrefcount(grad) > _LEAF_GRAD_REFS or getrefcount(arr) > 3):  # grad._data, arr, the argument
        return None
    base = arr.base
    if base is None:
        return arr if arr.flags.owndata else None
    # a view (e.g. a transposed weight gradient made contiguous again) of a whole buffer that only it holds:
    # references are arr.base, the local name and getrefcount's argument
    if (type(base) is np.ndarray and base.flags.owndata and base.nbytes == arr.nbytes
            and getrefcount(base) <= 3):
        return arr
    return None
