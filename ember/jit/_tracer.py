"""The recording: run a forward once and note every op call (``Op.apply`` reports to ``autograd.function``'s trace
hook), the module each ran in (global module hooks) and where each tensor came from.

Values are found by the Tensor object (kept alive for the trace, so ids stay unique), or failing that by its
NumPy array (a ``detach()`` or a parameter passed as ``param._data`` shares the array). A tensor the trace has not
seen is a constant. In-place ops (``relu_``, ``inplace=True``) go through ``Tensor._inplace``, which the trace
wraps so that the tensor takes the op's result; any other in-place change is caught by the version counter.
"""
from __future__ import annotations

import contextlib
import inspect
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd import function
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import Module, register_module_forward_hook, register_module_forward_pre_hook
from ..nn.parameter import Parameter
from ._graph import Graph, ModuleCall, Node, Value


class TracerWarning(Warning):
    """The trace may not generalize to other inputs (PyTorch's ``torch.jit.TracerWarning``)."""


# Tensor -> Python conversions that freeze a data-dependent value into the trace, with the words PyTorch uses
_CONVERSIONS = {"__bool__": "a Python boolean", "__int__": "a Python integer", "__float__": "a Python float",
                "__index__": "a Python index", "item": "a Python number", "tolist": "a Python list",
                "numpy": "a NumPy array"}


class _Untracked:
    """Ops that compute on arrays without an autograd ``Op`` (bool results): the trace records them under these
    stand-in classes, named as the op (``Gt``), so that a mask computed from the input stays in the graph."""


_COMPARISONS = {"Eq": ("__eq__", "eq"), "Ne": ("__ne__", "ne"), "Lt": ("__lt__", "lt"), "Le": ("__le__", "le"),
                "Gt": ("__gt__", "gt"), "Ge": ("__ge__", "ge"), "LogicalAnd": ("logical_and",),
                "LogicalOr": ("logical_or",), "LogicalXor": ("logical_xor",), "LogicalNot": ("logical_not",),
                "BitwiseAnd": ("__and__", "__rand__"), "BitwiseOr": ("__or__", "__ror__"),
                "BitwiseXor": ("__xor__", "__rxor__"), "BitwiseNot": ("__invert__",)}
UNTRACKED_OPS = {name: type(name, (_Untracked,), {"__module__": __name__}) for name in _COMPARISONS}


def _conversion_message(what: str) -> str:
    return (f"Converting a tensor to {what} might cause the trace to be incorrect. We can't record the data flow of "
            "Python values, so this value will be treated as a constant in the future. This means that the trace "
            "might not generalize to other inputs!")


class _Recorder:
    """Builds a ``Graph`` from the op calls reported while a forward runs."""

    def __init__(self, root, graph: Graph) -> None:
        self.graph = graph
        self.by_tensor: dict = {}  # id(tensor) -> (tensor, value, version when bound)
        self.by_array: dict = {}  # id(array) -> (array, value)
        self.stack: list = []  # the module calls running: (path, type name, module, ModuleCall)
        self.paths = {id(m): p for p, m in root.named_modules()} if isinstance(root, Module) else {}
        self.count = 0

    # values ------------------------------------------------------------------------------------------------------
    def bind(self, t: Tensor, value: Value) -> None:
        self.by_tensor[id(t)] = (t, value, t._version_counter[0])
        self.by_array[id(t._data)] = (t._data, value)

    def known(self, t: Tensor) -> Value | None:
        entry = self.by_tensor.get(id(t))
        return entry[1] if entry is not None and entry[0] is t else None

    def lookup(self, t: Tensor, user: str = "") -> Value:
        entry = self.by_tensor.get(id(t))
        if entry is not None and entry[0] is t:
            if t._version_counter[0] != entry[2] and entry[1].kind in ("input", "op"):
                raise RuntimeError(
                    f"ember.jit.trace: a tensor used by {user or 'the forward'} was changed in place by an operation "
                    "the trace cannot follow (copy_, fill_, indexing assignment, or an in-place op on a view); "
                    "write that step out of place")
            return entry[1]
        entry = self.by_array.get(id(t._data))
        if entry is not None and entry[0] is t._data:
            self.bind(t, entry[1])
            return entry[1]
        value = Value(f"c{self.count}", "constant", t._data.copy(), keep_data=True)
        self.count += 1
        self.bind(t, value)
        return value

    def convert(self, a, user: str):
        """An op argument as the graph holds it: a Value for a tensor (or a known array), else the object."""
        if isinstance(a, Tensor):
            return self.lookup(a, user)
        if isinstance(a, np.ndarray):
            entry = self.by_array.get(id(a))
            return entry[1] if entry is not None and entry[0] is a else a
        if isinstance(a, (tuple, list)) and any(isinstance(x, (Tensor, np.ndarray)) for x in a):
            return type(a)(self.convert(x, user) for x in a)
        return a

    # the trace hook ----------------------------------------------------------------------------------------------
    def __call__(self, op_class: type, args: tuple, kwargs: dict, outs) -> None:
        scope_stack = tuple((path, type_name) for path, type_name, _, _ in self.stack)
        module = self.stack[-1][2] if self.stack else None
        user = f"{op_class.__name__} in module '{scope_stack[-1][0]}'" if scope_stack else op_class.__name__
        node = Node(op_class, [self.convert(a, user) for a in args],
                    {k: self.convert(v, user) for k, v in kwargs.items()}, scope_stack, module)
        # an op of constants only keeps its result, so that exporters can fold it
        constant = all(v.kind in ("constant", "op") and v.data is not None for v in node.tensor_inputs)
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                value = Value(str(self.count), "op", o._data, producer=node, index=i, keep_data=constant)
                self.count += 1
                self.bind(o, value)
                node.outputs.append(value)
        self.graph.nodes.append(node)
        for _, _, _, call in self.stack:
            call.nodes.append(node)

    # module scopes -----------------------------------------------------------------------------------------------
    def enter(self, module, args) -> None:
        path = self.paths.get(id(module))
        if path is None:  # a module made inside the forward: name it under its caller
            parent = self.stack[-1][0] if self.stack else ""
            path = ".".join(filter(None, (parent, type(module).__name__.lower())))
        call = ModuleCall(path, module, len(self.stack), [self.lookup(t) for t in _flat_tensors(args)])
        self.graph.module_calls.append(call)
        self.graph.module_types.setdefault(path, type(module).__name__)
        self.stack.append((path, type(module).__name__, module, call))

    def leave(self, module, args, output) -> None:
        if self.stack and self.stack[-1][2] is module:
            call = self.stack.pop()[3]
            if output is not None:
                call.outputs = [self.lookup(t) for t in _flat_tensors(output)]

    # Tensor methods wrapped while tracing --------------------------------------------------------------------
    def warn_conversion(self, original, what: str):
        recorder = self

        def converting(self, *args, **kwargs):
            value = recorder.known(self)
            if value is None or value.kind in ("input", "op"):  # unseen: made by an untracked op
                warnings.warn(_conversion_message(what), TracerWarning, stacklevel=2)
            return original(self, *args, **kwargs)

        return converting

    def record_untracked(self, original, op_class: type, reflected: bool):
        recorder = self

        def untracked(self, *args):
            out = original(self, *args)
            if isinstance(out, Tensor):
                inputs = (args[0], self) if reflected else (self,) + args
                recorder(op_class, inputs, {}, (out,))
            return out

        return untracked

    def follow_inplace(self, original):
        recorder = self

        def _inplace(self, fn, *args, **kwargs):
            start = len(recorder.graph.nodes)
            out = original(self, fn, *args, **kwargs)
            for node in reversed(recorder.graph.nodes[start:]):
                if node.outputs and node.outputs[0].shape == tuple(self.shape):
                    recorder.bind(self, node.outputs[0])
                    break
            return out

        return _inplace


@contextlib.contextmanager
def _installed(recorder: _Recorder):
    """The recorder wired in for the duration of one forward: the op hook, module hooks, wrapped Tensor methods
    (process-wide while it runs, as PyTorch's tracer state is)."""
    if function._trace_hook is not None:
        raise RuntimeError("ember.jit.trace: a trace is already running (traces do not nest)")
    untracked = [(name, UNTRACKED_OPS[cls_name]) for cls_name, names in _COMPARISONS.items() for name in names]
    patched = (*_CONVERSIONS, "_inplace", *(name for name, _ in untracked))
    saved = {name: Tensor.__dict__[name] for name in patched if name in Tensor.__dict__}
    for name, what in _CONVERSIONS.items():
        setattr(Tensor, name, recorder.warn_conversion(getattr(Tensor, name), what))
    for name, cls in untracked:
        setattr(Tensor, name, recorder.record_untracked(getattr(Tensor, name), cls, name.startswith("__r")))
    Tensor._inplace = recorder.follow_inplace(Tensor._inplace)
    pre = register_module_forward_pre_hook(recorder.enter)
    post = register_module_forward_hook(recorder.leave, always_call=True)
    function.set_trace_hook(recorder)
    try:
        yield
    finally:
        function.set_trace_hook(None)
        pre.remove()
        post.remove()
        for name in patched:
            if name in saved:
                setattr(Tensor, name, saved[name])
            else:
                delattr(Tensor, name)


def _flat_tensors(obj) -> list:
    """The Tensors in a (possibly nested) tuple, list or dict, in order."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for x in obj for t in _flat_tensors(x)]
    if isinstance(obj, dict):
        return [t for x in obj.values() for t in _flat_tensors(x)]
    return []


def _input_names(fn, n: int) -> list[str]:
    """The forward's parameter names for the ``n`` inputs (``x``), ``input_<i>`` where they cannot be read."""
    try:
        params = list(inspect.signature(fn.forward if isinstance(fn, Module) else fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:n]
    return names + [f"input_{i}" for i in range(len(names), n)]


def capture(fn, example_inputs) -> Graph:
    """Run ``fn(*example_inputs)`` once (without recording gradients) and return the ops it ran as a ``Graph``.

    ``fn`` is an ``nn.Module`` or any callable; ``example_inputs`` one Tensor or a tuple of them. Parameters and
    buffers are named by their ``state_dict`` keys and each op by the path of the module it ran in.
    """
    inputs = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs)
    graph = Graph(type(fn).__name__ if isinstance(fn, Module) else getattr(fn, "__name__", "function"))
    recorder = _Recorder(fn, graph)
    if isinstance(fn, Module):
        trainable = {id(p) for p in fn.parameters()}
        for name, t in fn.state_dict(keep_vars=True).items():
            if recorder.known(t) is None:
                kind = "param" if isinstance(t, Parameter) or id(t) in trainable else "buffer"
                recorder.bind(t, Value(name, kind, t._data, source=name, keep_data=True,
                                       requires_grad=t.requires_grad))
    for name, t in zip(_input_names(fn, len(inputs)), inputs):
        if isinstance(t, Tensor):
            value = Value(name, "input", t._data)
            recorder.bind(t, value)
            graph.inputs.append(value)
    with no_grad(), _installed(recorder):
        out = fn(*inputs)
    graph.outputs_tensors = _flat_tensors(out)
    graph.outputs = [recorder.lookup(t) for t in graph.outputs_tensors]
    used = {id(v) for node in graph.nodes for v in node.tensor_inputs} | {id(v) for v in graph.outputs}
    for _, value, _ in recorder.by_tensor.values():
        if value.kind in ("param", "buffer") and id(value) in used:
            graph.params[value.name] = value
    return graph
