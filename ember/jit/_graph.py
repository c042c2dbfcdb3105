"""What a trace records: ``Value`` (a tensor flowing in the graph), ``Node`` (one op call), ``ModuleCall`` (one
module call) and the ``Graph`` holding them. ONNX export, TensorBoard's ``add_graph`` and ``utils.summary`` all
read these: one capture feeds every view of a model."""
from __future__ import annotations

import re

import numpy as np

from .._dtype import _type_name, from_numpy_dtype


class Value:
    """A tensor in the graph: a graph input, a parameter or buffer (named by its ``state_dict`` key), a constant
    made inside the forward, or an op's output."""

    __slots__ = ("name", "kind", "shape", "np_dtype", "source", "producer", "index", "data", "requires_grad")

    def __init__(self, name: str, kind: str, array: np.ndarray, *, source: str | None = None, producer=None,
                 index: int = 0, keep_data: bool = False, requires_grad: bool = False) -> None:
        self.name, self.kind, self.source = name, kind, source
        self.shape = tuple(array.shape)
        self.np_dtype = array.dtype
        self.producer, self.index = producer, index
        self.data = array if keep_data else None
        self.requires_grad = requires_grad

    @property
    def dtype(self):
        return from_numpy_dtype(self.np_dtype)

    def type_str(self) -> str:
        """``Float(1, 6, 28, 28)``: PyTorch's graph notation."""
        return f"{_type_name(self.np_dtype)}({', '.join(map(str, self.shape))})"

    def __repr__(self) -> str:
        return f"%{self.name} : {self.type_str()}"


class Node:
    """One recorded ``Op.apply`` (or ``autograd.Function.apply``) call."""

    __slots__ = ("kind", "op_class", "inputs", "attrs", "outputs", "scope", "scope_stack", "module")

    def __init__(self, op_class: type, inputs: list, attrs: dict, scope_stack: tuple, module) -> None:
        self.op_class = op_class
        self.kind = op_class.__name__
        self.inputs, self.attrs, self.outputs = inputs, attrs, []
        self.scope_stack, self.module = scope_stack, module
        self.scope = scope_stack[-1][0] if scope_stack else ""

    @property
    def op(self) -> str:
        """``ember::convolution`` for ``ConvolutionBackward0``: the kind without ``Backward<n>``, in snake case."""
        base = re.sub(r"(\d)D", r"\1d", re.sub(r"Backward\d*$", "", self.kind).lstrip("_"))
        return "ember::" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).lower()

    @property
    def tensor_inputs(self) -> list:
        """The Values the node reads: those among its positional arguments, then those among its keywords."""
        return list(_flat_values(self.inputs)) + list(_flat_values(self.attrs.values()))

    def __repr__(self) -> str:
        outs = ", ".join(repr(o) for o in self.outputs)
        args = ", ".join(_show(a) for a in self.inputs)
        attrs = ", ".join(f"{k}={_show(v)}" for k, v in self.attrs.items())
        scope = f"  # scope: {self.scope}" if self.scope else ""
        return f"{outs} = {self.op}({', '.join(filter(None, (args, attrs)))}){scope}"


class ModuleCall:
    """One module call: where it sits, what went in and out, and the ops it ran (those of its submodules too)."""

    __slots__ = ("path", "module", "type_name", "depth", "inputs", "outputs", "nodes")

    def __init__(self, path: str, module, depth: int, inputs: list) -> None:
        self.path, self.module, self.depth, self.inputs = path, module, depth, inputs
        self.type_name = type(module).__name__
        self.outputs, self.nodes = [], []


class Graph:
    """A captured forward: ``inputs``, ``outputs``, ``nodes`` in execution order, ``params`` by state_dict key."""

    def __init__(self, root_type: str) -> None:
        self.root_type = root_type
        self.inputs: list[Value] = []
        self.outputs: list[Value] = []
        self.nodes: list[Node] = []
        self.params: dict[str, Value] = {}
        self.module_types: dict[str, str] = {}
        self.module_calls: list[ModuleCall] = []
        self.outputs_tensors: list = []

    def live_nodes(self) -> list[Node]:
        """The nodes some output depends on, in execution order."""
        needed = {id(v) for v in self.outputs}
        live = []
        for node in reversed(self.nodes):
            if any(id(o) in needed for o in node.outputs):
                live.append(node)
                needed.update(id(v) for v in node.tensor_inputs)
        return live[::-1]

    def __str__(self) -> str:
        head = ", ".join(repr(v) for v in self.inputs + list(self.params.values()))
        lines = [f"graph({head}):"]
        lines += [f"  {node!r}" for node in self.nodes]
        lines.append(f"  return ({', '.join('%' + v.name for v in self.outputs)})")
        return "\n".join(lines)

    def code(self) -> str:
        """A Python-like listing: one line per op, module paths as comments."""
        args = ", ".join(f"{v.name}: {v.type_str()}" for v in self.inputs)
        lines = [f"def forward(self, {args}):"]
        for node in self.nodes:
            outs = ", ".join(_ident(o) for o in node.outputs)
            call_args = [_code_arg(a) for a in node.inputs] + [f"{k}={_code_arg(v)}" for k, v in node.attrs.items()]
            scope = f"  # {node.scope}: {node.module.__class__.__name__}" if node.scope else ""
            lines.append(f"    {outs} = {node.op}({', '.join(call_args)}){scope}")
        lines.append(f"    return {', '.join(_ident(v) for v in self.outputs)}")
        return "\n".join(lines)


def _flat_values(items):
    for a in items:
        if isinstance(a, Value):
            yield a
        elif isinstance(a, (tuple, list)):
            yield from _flat_values(a)


def _show(a) -> str:
    if isinstance(a, Value):
        return "%" + a.name
    if isinstance(a, (tuple, list)) and any(isinstance(x, Value) for x in a):
        return "[" + ", ".join(_show(x) for x in a) + "]"
    if isinstance(a, np.ndarray):
        return f"array{list(a.shape)}"
    slots = getattr(type(a), "__slots__", None)
    if slots and type(a).__repr__ is object.__repr__:  # a parameter record such as pooling's Geometry
        fields = [s for s in slots if s in ("k", "s", "p", "d", "out")] or list(slots)
        return f"{type(a).__name__}({', '.join(f'{s}={getattr(a, s, None)!r}' for s in fields)})"
    text = repr(a)
    return text if len(text) <= 60 else text[:57] + "..."


def _ident(v: Value) -> str:
    if v.kind in ("param", "buffer"):
        return "self." + v.name
    name = re.sub(r"\W", "_", v.name)
    return "_" + name if name[0].isdigit() else name


def _code_arg(a) -> str:
    if isinstance(a, Value):
        return _ident(a)
    if isinstance(a, (tuple, list)) and any(isinstance(x, Value) for x in a):
        return "[" + ", ".join(_code_arg(x) for x in a) + "]"
    return _show(a)
