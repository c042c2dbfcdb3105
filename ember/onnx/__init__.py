"""``ember.onnx``: export a model to ONNX (``torch.onnx.export``'s TorchScript-based exporter: its arguments and
naming), built on ``ember.jit``'s capture.

Needs the ``onnx`` package (``pip install 'ember[onnx]'``); loaded only when used.
"""
try:
    import onnx  # noqa: F401
except ModuleNotFoundError as e:
    raise ModuleNotFoundError("ember.onnx needs the onnx package: pip install 'ember[onnx]' (or pip install onnx)",
                              name=e.name) from e

from ._builder import UnsupportedOperatorError
from ._export import DEFAULT_OPSET, TrainingMode, export

__all__ = ["export", "TrainingMode", "UnsupportedOperatorError", "DEFAULT_OPSET"]
