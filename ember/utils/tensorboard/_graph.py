"""``add_graph``'s GraphDef, built from ``ember.jit``'s capture of one forward.

Node names are scoped by module as in PyTorch's writer (``Net/Sequential[features]/Conv2d[0]/7``), so the Graphs tab
folds each module into one box that opens onto its ops. Graph inputs are ``input/<arg name>`` and outputs
``output/output.<i>`` (op ``IO Node``); parameters and buffers are ``prim::GetAttr`` nodes under their owner
module, named by their attribute; tensors made inside the forward are ``prim::Constant`` nodes."""
from __future__ import annotations

import contextlib

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...jit import Graph, Node, Value, capture
from ...nn.modules.module import Module

# the GraphDef version TensorBoard's own PyTorch and TensorFlow writers declare
_PRODUCER = 22
_MAX_ATTR_TEXT = 60


def _shapes(values: list[Value]) -> AttrValue:
    return AttrValue(list=AttrValue.ListValue(shape=[
        TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in v.shape]) for v in values]))


def _text(a) -> str:
    """A short readable form of a non-tensor argument (a record with no repr of its own shows its type name)."""
    text = type(a).__name__ if type(a).__repr__ is object.__repr__ else repr(a)
    return text if len(text) <= _MAX_ATTR_TEXT else text[:_MAX_ATTR_TEXT - 3] + "..."


def _node(name: str, op: str, inputs: list[str], attr_text: str, outputs: list[Value]) -> NodeDef:
    attr = {"attr": AttrValue(s=attr_text.encode("utf-8"))}
    if outputs:
        attr["_output_shapes"] = _shapes(outputs)
    return NodeDef(name=name, op=op, input=inputs, attr=attr)


class _Scopes:
    """TensorBoard scope names: ``Net/Sequential[seq]/Linear[0]`` for the module path ``seq.0``."""

    def __init__(self, graph: Graph) -> None:
        self.root = graph.root_type
        self.types = graph.module_types

    def of_path(self, path: str) -> str:
        parts = path.split(".") if path else []
        names = [self.root] + [f"{self.types.get('.'.join(parts[:i + 1]), 'Module')}[{p}]" for i, p in enumerate(parts)]
        return "/".join(names)

    def of_node(self, node: Node) -> str:
        return "/".join([self.root] + [f"{kind}[{path.rsplit('.', 1)[-1]}]" for path, kind in node.scope_stack[1:]])


def _edges(node: Node) -> list[Value]:
    """The tensors flowing into ``node``: its tensor arguments, then those passed by keyword (buffers, masks)."""
    return node.tensor_inputs + [v for v in node.attrs.values() if isinstance(v, Value)]


def build(graph: Graph) -> GraphDef:
    """The GraphDef of a captured forward: the ops the outputs depend on, with their sources and shapes."""
    scopes = _Scopes(graph)
    nodes: list[NodeDef] = []
    names: dict[int, str] = {}  # id(value) -> the node name (and output slot) an edge from it refers to

    def source(value: Value, consumer_scope: str) -> str:
        if id(value) in names:
            return names[id(value)]
        if value.kind in ("param", "buffer"):
            owner, _, attribute = (value.source or value.name).rpartition(".")
            name = f"{scopes.of_path(owner)}/{attribute}"
            nodes.append(_node(name, "prim::GetAttr", [], f"{{ name :  {value.source or value.name} }}", [value]))
        else:  # a tensor made inside the forward: a constant of the op using it first
            name = f"{consumer_scope}/{value.name}"
            text = _text(value.data.item()) if value.data is not None and value.data.size == 1 else ""
            nodes.append(_node(name, "prim::Constant", [], f"{{ value : {text} }}" if text else "{}", [value]))
        names[id(value)] = name
        return name

    for value in graph.inputs:
        names[id(value)] = f"input/{value.name}"
        nodes.append(_node(names[id(value)], "IO Node", [], "", [value]))
    for node in graph.live_nodes():
        scope = scopes.of_node(node)
        inputs = [source(v, scope) for v in _edges(node)]
        settings = [_text(a) for a in node.inputs if not isinstance(a, Value)]
        settings += [f"{k} : {_text(v)}" for k, v in node.attrs.items() if not isinstance(v, Value)]
        name = f"{scope}/{node.outputs[0].name}"
        nodes.append(_node(name, node.op, inputs, f"{{ {', '.join(settings)} }}" if settings else "{}", node.outputs))
        for out in node.outputs:
            names[id(out)] = name if out.index == 0 else f"{name}:{out.index}"
    for i, value in enumerate(graph.outputs, start=1):
        nodes.append(_node(f"output/output.{i}", "IO Node", [source(value, scopes.root)], "", [value]))
    return GraphDef(node=nodes, versions=VersionDef(producer=_PRODUCER))


@contextlib.contextmanager
def _eval_mode(model):
    """Trace in eval mode, as PyTorch does: dropout off, and batch norm's running statistics left untouched."""
    if not isinstance(model, Module):
        yield
        return
    training = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(training)


def graph_def(model, input_to_model, verbose: bool = False) -> GraphDef:
    """Capture one forward of ``model`` on ``input_to_model`` (a Tensor, or a tuple or list of them)."""
    if isinstance(input_to_model, list):
        input_to_model = tuple(input_to_model)
    with _eval_mode(model):
        graph = capture(model, input_to_model)
    if verbose:
        print(graph)
    return build(graph)


__all__ = ["build", "graph_def"]
