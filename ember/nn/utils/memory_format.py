"""``convert_conv2d_weight_memory_format`` / ``convert_conv3d_weight_memory_format``: ember's convolutions choose
their data layout per call (the compiled kernels work channels-last internally), so the weights' stored layout
does not matter and the module is returned as it is."""
from __future__ import annotations

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def convert_conv2d_weight_memory_format(module, memory_format):
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    return module
