"""``ember.onnx.export``: capture one forward, convert each op, write the model atomically.

Arguments keep PyTorch's meaning (``torch.onnx.export`` with the TorchScript-based exporter): initializers carry
the ``state_dict`` keys, node names the module path (``/conv1/Conv``), ``dynamic_axes`` makes dims symbolic.
"""
from __future__ import annotations

import enum
import os
import warnings
from collections.abc import Mapping, Sequence

import onnx
from onnx import helper, numpy_helper

from .. import __version__
from .._tensor import Tensor
from ..jit import Graph, TracerWarning, Value, capture
from ._builder import Builder
from ._symbolic_nn import REGISTRY  # every converter: the core ops' and the nn ops'



class TrainingMode(enum.IntEnum):
    """The mode the model is exported in (``torch.onnx.TrainingMode``)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


# PyTorch 2.13's TorchScript-based exporter defaults to opset 20; ember maps its ops for opsets 17 to 20
DEFAULT_OPSET = 20
_IR_VERSION = {17: 8, 18: 8, 19: 9, 20: 9}


def export(model, args, f, export_params: bool = True, verbose: bool = False,
           training: TrainingMode = TrainingMode.EVAL, input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None, opset_version: int | None = None,
           do_constant_folding: bool = True, dynamic_axes: Mapping | None = None,
           keep_initializers_as_inputs: bool = False) -> None:
    """Export ``model`` run on ``args`` (a Tensor or a tuple of them) to the ONNX file ``f`` (a path or a binary
    file object).

    ``training`` (EVAL by default) sets the module's mode for the export and restores it after;
    ``export_params=False`` makes the parameters graph inputs instead of initializers;
    ``dynamic_axes`` maps an input or output name to the dims that stay symbolic (``{"x": {0: "batch"}}`` or
    ``{"x": [0]}``). Raises ``UnsupportedOperatorError`` naming the op and module path of an op with no mapping.
    """
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if opset not in _IR_VERSION:
        raise ValueError(f"Unsupported ONNX opset version: {opset}. ember exports opset versions "
                         f"{min(_IR_VERSION)} to {max(_IR_VERSION)}.")
    inputs = (args,) if isinstance(args, Tensor) else tuple(args)
    restore = getattr(model, "training", None)
    if restore is not None and training != TrainingMode.PRESERVE:
        model.train(training == TrainingMode.TRAINING)
    try:
        _refuse_random_layers(model)
        graph = capture(model, inputs)
    finally:
        if restore is not None:
            model.train(restore)
    proto = _build(graph, opset, export_params, input_names, output_names, do_constant_folding, dynamic_axes,
                   keep_initializers_as_inputs)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    _write(proto.SerializeToString(), f)


def _refuse_random_layers(model) -> None:
    """A dropout layer in training mode would be recorded with this run's random mask: refuse it."""
    modules = model.named_modules() if hasattr(model, "named_modules") else ()
    for name, m in modules:
        if m.training and "Dropout" in type(m).__name__ and getattr(m, "p", 0):
            raise RuntimeError(f"ember.onnx.export: module '{name}' ({type(m).__name__}) is in training mode; its "
                               "random mask cannot be exported. Export with training=TrainingMode.EVAL.")


def _axes_of(name: str, spec) -> dict[int, str]:
    if isinstance(spec, Mapping):
        return {int(k): str(v) for k, v in spec.items()}
    return {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}


def _names(given, values: list[Value], kind: str, default) -> list[str]:
    given = list(given or [])
    if len(given) > len(values):
        raise ValueError(f"ember.onnx.export: {len(given)} {kind} names given for {len(values)} {kind}s")
    return given + [default(i, v) for i, v in enumerate(values)][len(given):]


def _build(graph: Graph, opset: int, export_params: bool, input_names, output_names, fold: bool, dynamic_axes,
           keep_initializers_as_inputs: bool) -> onnx.ModelProto:
    in_names = _names(input_names, graph.inputs, "input", lambda i, v: v.name)
    single = len(graph.outputs) == 1
    out_names = _names(output_names, graph.outputs, "output", lambda i, v: "output" if single else f"output_{i}")
    dynamic = {}
    for key, spec in (dynamic_axes or {}).items():
        if key not in in_names and key not in out_names:
            raise ValueError(f"ember.onnx.export: dynamic_axes names '{key}', which is neither an input nor an "
                             f"output of the model (inputs: {in_names}, outputs: {out_names})")
        dynamic[key] = _axes_of(key, spec)

    b = Builder(opset)
    for name, value in zip(in_names, graph.inputs):
        b.bind(value, name)
    for key, value in graph.params.items():
        b.bind(value, key)
    live = graph.live_nodes()
    b.used = {id(v) for node in live for v in node.tensor_inputs} | {id(v) for v in graph.outputs}
    for node in live:
        if fold and all(o.data is not None for o in node.outputs):
            continue  # computed from constants only: its outputs become constants where they are used
        b.node, b.scope = node, node.scope
        convert = next((REGISTRY[c] for c in node.op_class.__mro__ if c in REGISTRY), None)
        if convert is None:
            raise b.unsupported()
        outs = convert(b, node, *node.inputs, **node.attrs)
        outs = [outs] if isinstance(outs, str) else list(outs)
        for value, name in zip(node.outputs, outs):
            if name is not None:
                b.bind(value, name)
    _name_outputs(b, graph.outputs, out_names)

    used_params = [(k, v) for k, v in graph.params.items() if any(k in n.input for n in b.nodes)]
    initializers = [numpy_helper.from_array(v.data, name=k) for k, v in used_params] if export_params else []
    graph_inputs = []
    for name, v in zip(in_names, graph.inputs):
        if any(name in n.input for n in b.nodes) or name in out_names:
            graph_inputs.append(_value_info(name, v, dynamic.get(name, {})))
        else:  # PyTorch drops such an input too; say so, since ember ops that read a mask's array bake it in
            warnings.warn(f"ember.onnx.export: the model's input '{name}' reaches no output through a recorded op "
                          "and is left out of the ONNX graph (if the forward used its values, they are now "
                          "constants)", TracerWarning, stacklevel=3)
    if keep_initializers_as_inputs or not export_params:
        graph_inputs += [_value_info(k, v, {}) for k, v in used_params]
    symbolic_sizes = {v.shape[d] for name, v in zip(in_names, graph.inputs) for d in dynamic.get(name, {})}
    graph_outputs = [_value_info(name, v, dynamic.get(name), symbolic_sizes)
                     for name, v in zip(out_names, graph.outputs)]
    proto_graph = helper.make_graph(_live(b.nodes, out_names), graph.root_type, graph_inputs, graph_outputs,
                                    initializer=initializers)
    model = helper.make_model(proto_graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="ember",
                              producer_version=__version__)
    model.ir_version = _IR_VERSION[opset]
    onnx.checker.check_model(model)
    return model


def _name_outputs(b: Builder, outputs: list[Value], names: list[str]) -> None:
    """Give each graph output its name: the node that computes it takes the name (as in PyTorch's export), or an
    Identity copies a value that is an input, a parameter or already another output."""
    renamed = set()
    for value, name in zip(outputs, names):
        current = b.name_of(value)
        if current == name:
            continue
        producer = next((n for n in b.nodes if current in n.output), None)
        if value.kind != "op" or producer is None or id(value) in renamed:
            b.scope = ""
            b.nodes.append(helper.make_node("Identity", [current], [name], name=b._node_name("Identity")))
            continue
        producer.output[list(producer.output).index(current)] = name
        for n in b.nodes:
            for i, x in enumerate(n.input):
                if x == current:
                    n.input[i] = name
        b.names[id(value)] = name
        renamed.add(id(value))


def _value_info(name: str, value: Value, axes: dict | None, symbolic_sizes: set = frozenset()):
    elem = helper.np_dtype_to_tensor_dtype(value.np_dtype)
    if axes is None:  # an output not named in dynamic_axes: dims of a symbolic input's size stay unknown
        dims = [None if d in symbolic_sizes else d for d in value.shape]
    else:
        dims = [axes.get(i, d) for i, d in enumerate(value.shape)]
    return helper.make_tensor_value_info(name, elem, dims)


def _live(nodes: list, outputs: list[str]) -> list:
    """The nodes some graph output depends on (converters may leave unused helpers behind)."""
    needed = set(outputs)
    keep = []
    for node in reversed(nodes):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(node.input)
    return keep[::-1]


def _write(data: bytes, f) -> None:
    """Write to a file object, or to a path through a temporary file renamed over it: no partial file is left
    behind when writing fails."""
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise type(e)(e.errno, f"ember.onnx.export cannot write the ONNX file {path!r}: {e.strerror}") from None

