"""The ONNX graph under construction: node names in PyTorch's exporter style (``/conv1/Conv``, ``/Relu_1``),
outputs named after their node (``/conv1/Conv_output_0``), constants as ``Constant`` nodes, one ONNX name per
captured ``Value``."""
from __future__ import annotations

from collections import Counter

import numpy as np
from onnx import helper, numpy_helper

from ..jit import Node, Value


class UnsupportedOperatorError(RuntimeError):
    """An op of the captured forward that has no ONNX mapping (PyTorch's ``torch.onnx.errors``'s namesake)."""


class Builder:
    """Collects ONNX nodes for one export; converters call ``emit`` and ``const``."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list = []
        self.names: dict[int, str] = {}  # id(Value) -> ONNX name
        self.values: dict[int, Value] = {}
        self.taken: Counter = Counter()
        self.scope = ""
        self.node: Node | None = None
        self.used: set = set()  # ids of the Values some live node or output reads
        self.raw_indices: dict = {}  # id(indices Value) -> (ONNX MaxPool's whole-tensor indices, geometry)

    # names -------------------------------------------------------------------------------------------------------
    def _node_name(self, op_type: str) -> str:
        base = "/" + "/".join(filter(None, self.scope.split(".") + [op_type]))
        n = self.taken[base]
        self.taken[base] += 1
        return base if n == 0 else f"{base}_{n}"

    def bind(self, value: Value, name: str) -> None:
        self.names[id(value)] = name
        self.values[id(value)] = value

    def name_of(self, value: Value) -> str:
        name = self.names.get(id(value))
        if name is None:
            if value.data is None:
                raise UnsupportedOperatorError(f"ONNX export: the value %{value.name} has no producer the export "
                                               "could map")
            name = self.const(value.data)
            self.bind(value, name)
        return name

    # emitting ----------------------------------------------------------------------------------------------------
    def emit(self, op_type: str, inputs: list, n_out: int = 1, **attrs) -> list[str]:
        """Add one ONNX node; ``inputs`` holds Values, ONNX names or arrays (made constants); returns its
        output names. ``""`` stands for an omitted optional input."""
        name = self._node_name(op_type)
        names = [self.input(x) for x in inputs]
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, names, outs, name=name, **attrs))
        return outs

    def one(self, op_type: str, inputs: list, **attrs) -> str:
        return self.emit(op_type, inputs, **attrs)[0]

    def input(self, x) -> str:
        if isinstance(x, Value):
            return self.name_of(x)
        if isinstance(x, str):
            return x
        if x is None:
            return ""
        return self.const(np.asarray(x))

    def const(self, array: np.ndarray) -> str:
        name = self._node_name("Constant")
        out = f"{name}_output_0"
        self.nodes.append(helper.make_node("Constant", [], [out], name=name,
                                           value=numpy_helper.from_array(np.ascontiguousarray(array))))
        return out

    def ints(self, values) -> str:
        """An int64 1-d constant (shapes, axes, pads)."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1))

    def scalar(self, x, like: Value) -> str:
        """A Python number as a 0-d constant of ``like``'s dtype."""
        return self.const(np.asarray(x, dtype=like.np_dtype))

    # opset-dependent forms -------------------------------------------------------------------------------------
    def reduce(self, op_type: str, x, axes, keepdims: bool) -> str:
        """ReduceX over ``axes`` (None: all); the axes are an input from opset 18 (ReduceSum: 13)."""
        if axes is None:
            return self.one(op_type, [x], keepdims=int(keepdims))
        if self.opset >= 18 or op_type == "ReduceSum":
            return self.one(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.one(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def split(self, x, sizes, axis: int) -> list[str]:
        return self.emit("Split", [x, self.ints(sizes)], n_out=len(sizes), axis=axis)

    def unsupported(self, why: str = "") -> UnsupportedOperatorError:
        node = self.node
        where = f"module '{node.scope}' ({type(node.module).__name__})" if node.scope else "the top-level forward"
        extra = f": {why}" if why else ""
        return UnsupportedOperatorError(f"Exporting the operator '{node.op}' ({node.kind}) to ONNX opset version "
                                        f"{self.opset} is not supported{extra}. It was used in {where}.")
