"""Graph nodes and ``Function``: every differentiable op is one subclass holding its forward and backward.

Two kinds of subclass exist:

* ``Function`` is PyTorch's user-facing ``torch.autograd.Function``: ``forward(ctx, *args)`` receives Tensors and
  runs without recording; ``backward(ctx, *grads)`` returns one gradient per forward argument.
* ``Op`` is how ember's own ops are written: ``forward`` computes on NumPy arrays (no Tensor wrapping on the hot
  path) and ``backward`` is written with differentiable Tensor operations, so higher-order gradients come free.

The node object is also the ``ctx``: it is the ``grad_fn`` of the outputs, and carries ``next_functions``.
"""
from __future__ import annotations

import functools
import re
import weakref
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._creation import zeros
from .._dtype import bfloat16_numpy, is_bfloat16, is_floating
from .._tensor import Tensor, wrap
from ..utils.hooks import RemovableHandle, _add_hook
from .grad_mode import STATE, no_grad

_FREED = object()
# An edge is (node, output_nr); the engine keeps one per forward argument and sends no gradient along those
# whose node is None. Two such edges exist, told apart by value:
# the edge of an input that needs no gradient, which next_functions shows as PyTorch does
_NO_EDGE = (None, 0)
# the edge of an argument that is no input of PyTorch's node (a Python number, a dim, an index tensor...), which
# next_functions leaves out; no real edge has a negative output_nr
_NOT_INPUT = (None, -1)
_NOTHING_SAVED = (None, None, None)
_new = object.__new__
# True once a bfloat16 array exists (ml_dtypes is imported then): until then Op.apply skips the bfloat16 check
_bfloat16_loaded = _dtype._bfloat16_numpy
# ``ember.jit``'s recorder while a trace runs, else None: ``hook(op_class, args, kwargs, outputs)`` after each op
_trace_hook = None


def set_trace_hook(hook) -> None:
    """Install (or, with None, remove) the function every op call reports to while ``ember.jit`` traces."""
    global _trace_hook
    _trace_hook = hook


class Node:
    """A recorded operation in the autograd graph (PyTorch's ``torch.autograd.graph.Node``).

    ``_edges`` holds one (node, output_nr) per forward argument, as the engine pairs them with the gradients
    backward returns; ``next_functions`` shows only the edges of the node's tensor inputs, as PyTorch does.
    """

    _edges: tuple = ()
    # positions of the arguments PyTorch lists in next_functions whatever they are (a Python number that its op
    # wraps into a tensor, as in ``x * 2``); None lists the floating-point tensor arguments
    _inputs: tuple | None = None
    _n_outputs = 1
    _hooked = False  # set once any hook is registered on the node: the engine looks for hooks only then
    _array_forward = False  # an ``Op``: the engine calls its backward directly

    def name(self) -> str:
        """The node's class name, which is PyTorch's (``MulBackward0``, ``AccumulateGrad``, ``MyFnBackward``)."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        edges = self._edges
        return tuple([edges[i] for i in self._input_positions()])

    def _input_positions(self) -> list:
        """The positions in ``_edges`` that ``next_functions`` shows."""
        edges = self._edges
        if self._inputs is None:
            return [i for i, e in enumerate(edges) if e != _NOT_INPUT]
        return [i for i in self._inputs if i < len(edges)]

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward; may return new grad_inputs."""
        self._hooked = True
        return _add_hook(self.__dict__.setdefault("_post_hooks", OrderedDict()), fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        self._hooked = True
        return _add_hook(self.__dict__.setdefault("_pre_hooks", OrderedDict()), fn)

    def _tensor_hooks_of(self, output_nr: int) -> OrderedDict:
        """The hooks of this node's output ``output_nr`` (Tensor.register_hook on a non-leaf)."""
        self._hooked = True
        return self.__dict__.setdefault("_tensor_hooks", {}).setdefault(output_nr, OrderedDict())

    def _retain_grad_of(self, output_nr: int, fn) -> None:
        """``fn(grad)`` stores the gradient of output ``output_nr`` (``retain_grad``); it runs after that output's
        tensor hooks, whenever they were registered, so ``.grad`` shows what they returned, as in PyTorch."""
        self._hooked = True
        self.__dict__.setdefault("_retain_grad_hooks", {})[output_nr] = fn


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into ``variable.grad``."""

    def __init__(self, variable) -> None:
        self.variable = variable


def accumulator_of(t) -> AccumulateGrad:
    """The leaf's AccumulateGrad, shared by every graph that uses it while any of them is alive."""
    ref = t._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._accumulator = weakref.ref(node)
    return node


def _edge(t) -> tuple:
    """The edge of a tensor that requires grad: its grad_fn, or the AccumulateGrad of a leaf."""
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (accumulator_of(t), 0)


def edge_of(x) -> tuple:
    """(node, output_nr) that a gradient for ``x`` flows into, or (None, 0) when it needs none."""
    return _edge(x) if isinstance(x, Tensor) and x._requires_grad else _NO_EDGE


class Function(Node):
    """Base of user-defined autograd operations (``ember.autograd.Function``).

    Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``, then call ``apply``.
    The node of ``MyFn.apply`` is an instance of ``MyFnBackward``, a subclass made once per Function subclass, as
    in PyTorch.
    """

    _array_forward = False
    _is_view = False
    _materialize_grads = True
    _node_class: type

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_node_class" not in cls.__dict__:  # not itself a node class
            node = type(cls.__name__ + "Backward", (cls,), {
                "__module__": cls.__module__, "__qualname__": cls.__qualname__ + "Backward", "_node_class": None,
                "__doc__": f"The graph node of ``{cls.__qualname__}.apply``."})
            cls._node_class = node._node_class = node

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    # ctx API -------------------------------------------------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        self._to_save = values

    @property
    def saved_tensors(self) -> tuple:
        saved = self.__dict__.get("_saved", ())
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward."
            )
        out = []
        for t, version, owner in saved:
            if version is not None:
                if type(owner) is int:  # this node's output number ``owner``: give the value its history back
                    t = _as_output(t, self, owner)
                    owner = self
                if t._version_counter[0] != version:
                    raise _modified_error(t, version, owner)
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors) -> None:
        self._dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = value

    # application ---------------------------------------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._node_class()
        record = STATE.enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if record:
            # every tensor argument is an input of a custom Function's node, whatever its dtype
            ctx._edges = tuple(edge_of(a) if isinstance(a, Tensor) else _NOT_INPUT for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad and record for a in args)
        STATE.enabled, prev = False, STATE.enabled
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            return outputs
        non_diff = ctx.__dict__.get("_non_differentiable", ())
        dirty = ctx.__dict__.get("_dirty", ())
        result = []
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor):
                result.append(o)
                continue
            if id(o) in dirty:
                t = o
            else:
                t = wrap(o._data)
                t._version_counter = o._version_counter
            if id(o) not in non_diff and is_floating(t._data.dtype):
                t._requires_grad, t.grad_fn, t._output_nr = True, ctx, nr
            result.append(t)
        ctx._n_outputs = len(outs)
        ctx._out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
        # a saved output is the returned tensor itself (with this node as its history): double backward works
        by_id = {id(o): t for o, t in zip(outs, result) if isinstance(o, Tensor)}
        saved = ctx.__dict__.pop("_to_save", ())
        ctx._saved = tuple(_save(by_id[id(s)], True) if id(s) in by_id else _save(s) for s in saved)
        if _trace_hook is not None:
            _trace_hook(cls, args, kwargs, result)
        return result[0] if single else tuple(result)

    def _run_backward(self, grads: list):
        """Call backward with one gradient per output; return one gradient per forward argument."""
        if self._materialize_grads:
            grads = [zeros(m[0], dtype=m[1]) if g is None and m is not None else g
                     for g, m in zip(grads, self._out_meta)]
        out = type(self).backward(self, *grads)
        out = out if isinstance(out, tuple) else (out,)
        n = len(self._edges)
        if len(out) < n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(out)})")
        return out[:n]


def _modified_error(t, version: int, fn) -> RuntimeError:
    """PyTorch's message for a saved tensor changed in place; ``fn`` produced it when it was saved."""
    origin = ""
    fn = fn or t.grad_fn  # an output names the node that made it, an input its current history
    if fn is not None and type(fn) is not AccumulateGrad:
        name = fn.name()
        name = "ember::autograd::CopySlices" if name == "CopySlices" else re.sub(r"Backward[0-9]*$", "", name)
        origin = f", which is output {t._output_nr} of {name},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.type()} {list(t.shape)}]{origin} is at version {t._version_counter[0]}; expected version {version} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "ember.autograd.set_detect_anomaly(True, check_nan=False).")


def _save(t, is_output: bool = False):
    """A saved-value entry: (value, version when saved or None, owner); see ``_save_output``."""
    if t is None or not isinstance(t, Tensor):
        return (t, None, None)
    return _save_output(t) if is_output else (t, t._version_counter[0], None)


def _save_output(t):
    """The entry for a node's own output: its array and version counter without the history (which points back
    at the node), so the graph stays free of reference cycles and is freed as soon as it is dropped, backward or
    not. ``saved_tensors`` rebuilds the output with its history; the owner field holds its output number."""
    if t.grad_fn is None:
        return (t, t._version_counter[0], None)
    twin = wrap(t._data)
    twin._version_counter = t._version_counter
    return (twin, t._version_counter[0], t._output_nr)


def _as_output(twin, node, nr: int):
    t = wrap(twin._data)
    t._version_counter = twin._version_counter
    t._requires_grad, t.grad_fn, t._output_nr = True, node, nr
    return t


class Op(Function):
    """Base of ember's own ops: ``forward(ctx, *arrays, **params)`` on NumPy arrays, ``backward`` on Tensors.

    ``ctx.save_for_backward`` takes arrays; ``saved_tensors`` hands an input's array back as that very Tensor and
    an output's as a Tensor with the output's history (so double backward and in-place checks work), anything
    else as a constant Tensor.
    Outputs of integer or bool dtype never require grad.
    Each subclass is its own node class, named as PyTorch's node (``MulBackward0``).
    """

    _array_forward = True
    _node_class = None  # set here, so that Function's hook makes no node class for Op itself
    # bfloat16 inputs are computed on as float32 copies and float32 results rounded back (False: an op whose
    # output dtype is its own business, such as a conversion)
    _float32_compute = True

    def __init_subclass__(cls, **kwargs) -> None:
        super(Function, cls).__init_subclass__(**kwargs)  # skips Function's: no Backward subclass

    # before forward, ``needs_input_grad`` tells which inputs get a gradient (so forward can save only what
    # their backward needs); outside recording every input counts as needing one and nothing is kept
    needs_input_grad = (True,) * 8

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls)
        # plain loops, not comprehensions: on Python 3.11 each comprehension is a function call, and ops take
        # only a few arguments
        arrays = []
        record = False
        for a in args:
            arrays.append(getattr(a, "_data", a))
            if not record and getattr(a, "_requires_grad", False):
                record = STATE.enabled
        if record:
            edges = []
            need = []
            if cls._inputs is None:
                for a in args:
                    if getattr(a, "_requires_grad", False):
                        edges.append(_edge(a))
                        need.append(True)
                    else:
                        edges.append(_NO_EDGE if isinstance(a, Tensor) and is_floating(a._data.dtype) else _NOT_INPUT)
                        need.append(False)
            else:  # next_functions does not depend on what the arguments are
                for a in args:
                    if getattr(a, "_requires_grad", False):
                        edges.append(_edge(a))
                        need.append(True)
                    else:
                        edges.append(_NO_EDGE)
                        need.append(False)
            ctx._edges = tuple(edges)
            ctx.needs_input_grad = tuple(need)
        if _bfloat16_loaded and cls._float32_compute and not cls._is_view:
            out, arrays = _forward_bfloat16(cls, ctx, arrays, kwargs)
        else:
            out = cls.forward(ctx, *arrays, **kwargs)
        single = type(out) is not tuple
        outs = (wrap(out),) if single else tuple([wrap(o) for o in out])
        if cls._is_view:
            base = args[0]
            root = base._base if base._base is not None else base
            for o in outs:
                o._version_counter = base._version_counter
                o._base = root
        if record:
            if single:
                o = outs[0]
                if is_floating(o._data.dtype):
                    o._requires_grad = True
                    o.grad_fn = ctx
            else:
                ctx._n_outputs = len(outs)
                nr = 0
                for o in outs:
                    if is_floating(o._data.dtype):
                        o._requires_grad = True
                        o.grad_fn = ctx
                        o._output_nr = nr
                    nr += 1
            to_save = ctx.__dict__.pop("_to_save", None)
            if to_save:
                saved = []
                for v in to_save:
                    saved.append(_save_array(v, args, arrays, outs) if v is not None else _NOTHING_SAVED)
                ctx._saved = tuple(saved)
        if _trace_hook is not None:
            _trace_hook(cls, args, kwargs, outs)
        return outs[0] if single else outs

    def _run_backward(self, grads: list):
        out = type(self).backward(self, *grads)
        return out if type(out) is tuple else (out,)


def _forward_bfloat16(cls, ctx, arrays: list, kwargs: dict):
    """``cls.forward`` with bfloat16 inputs as PyTorch's CPU kernels compute them: on float32 values (exact:
    bfloat16 is float32's upper half), each float32 result rounded once to bfloat16 when bfloat16 is the result
    type PyTorch's promotion gives (bfloat16 tensors only, or a number or a 0-d tensor beside them) and no
    ``dtype=`` asks for another. Returns the outputs and the arrays forward saw, so that a saved float32 copy
    still maps to its bfloat16 input Tensor; saved outputs are saved as the rounded arrays."""
    found = False
    dims = zero_dim = False  # whether the (dimensioned, 0-d) floating inputs other than bfloat16 exist
    bf16_dims = False
    widened = []
    for a in arrays:
        if type(a) is np.ndarray:
            if is_bfloat16(a.dtype):
                found = True
                bf16_dims = bf16_dims or a.ndim > 0
                a = a.astype(np.float32)
            elif a.dtype.kind == "f":
                if a.ndim:
                    dims = True
                else:
                    zero_dim = True
        widened.append(a)
    if not found:
        return cls.forward(ctx, *arrays, **kwargs), arrays
    out = cls.forward(ctx, *widened, **kwargs)
    if dims or (zero_dim and not bf16_dims) or kwargs.get("dtype") is not None:
        return out, widened
    target = bfloat16_numpy()
    rounded = {}

    def round_(o):
        if type(o) is np.ndarray and o.dtype == np.float32:
            rounded[id(o)] = r = o.astype(target)
            return r
        return o

    out = tuple([round_(o) for o in out]) if type(out) is tuple else round_(out)
    to_save = ctx.__dict__.get("_to_save")
    if to_save and rounded:
        ctx._to_save = [rounded.get(id(v), v) for v in to_save]
    return out, widened


def _save_array(value, args, arrays, outs):
    """Map a saved array back to the input or output Tensor that owns it, recording its version."""
    if type(value) is np.ndarray or isinstance(value, np.ndarray):
        i = 0
        for arr in arrays:
            if arr is value:
                a = args[i]
                if isinstance(a, Tensor):
                    return (a, a._version_counter[0], None)
            i += 1
        for o in outs:
            if o._data is value:
                return _save_output(o)
        return (wrap(value), None, None)
    if isinstance(value, np.generic):  # a 0-d result NumPy returned as a scalar
        return (wrap(np.asarray(value)), None, None)
    return (value, None, None)


def once_differentiable(fn):
    """Decorator for a custom Function's backward that cannot itself be differentiated."""
    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        with no_grad():
            return fn(ctx, *grads)

    return wrapper
