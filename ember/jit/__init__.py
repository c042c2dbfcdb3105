"""``ember.jit``: graph capture. ``trace(model, example_inputs)`` records the ops one forward runs (PyTorch's
``torch.jit.trace``); the same capture feeds ``ember.onnx.export``, TensorBoard's ``add_graph`` and
``ember.utils.summary``."""
from ._graph import Graph, ModuleCall, Node, Value
from ._traced import TracedModule, trace
from ._tracer import TracerWarning, capture

__all__ = ["trace", "TracedModule", "TracerWarning", "capture", "Graph", "Node", "Value", "ModuleCall"]
