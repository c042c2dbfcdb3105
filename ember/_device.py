"""``ember.device`` and the answers of PyTorch's CPU build: every device type can be named, only the CPU holds data.

A tensor asked to live on another device fails as it does in the CPU wheel of PyTorch (``.cuda()`` raises
``AssertionError: Torch not compiled with CUDA enabled``), so a program's ``if torch.cuda.is_available()`` branches
and its error handling behave the same under ember.
"""
from __future__ import annotations

import re

# PyTorch's device types, in the order its error message lists them
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
          "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")


class device:
    """A device descriptor: ``device('cuda:0')``, ``device('cuda', 1)``, ``device(type='cpu')``.

    Any of PyTorch's device types can be described; an integer alone means the current accelerator, which a CPU
    build has none of.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device | int" = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if type == "":
            raise RuntimeError("Device string must not be empty")
        match = _DEVICE_STRING.fullmatch(str(type))
        if match is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        name, idx = match.groups()
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if idx is not None and index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type = name
        self.index = int(idx) if idx is not None else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        # a device never equals a string in PyTorch: device('cpu') == 'cpu' is False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type,) if self.index is None else (self.type, self.index))


CPU = device("cpu")


def not_compiled(type_name: str, factory: bool = False) -> Exception:
    """The error PyTorch's CPU build raises when data is sent to ``type_name`` (``factory``: made there by a factory
    such as ``zeros``, where an mps device fails in the dispatcher rather than in the copy)."""
    if type_name == "cuda":
        return AssertionError("Torch not compiled with CUDA enabled")
    if type_name == "xpu":
        return AssertionError("Torch not compiled with XPU enabled")
    if type_name == "mps" and not factory:
        return RuntimeError("PyTorch is not linked with support for mps devices")
    return NotImplementedError(f"Could not run 'aten::empty.memory_format' with arguments from the "
                               f"'{type_name.upper()}' backend: ember runs on the CPU only")


def check_device(d, factory: bool = False) -> device:
    """The device tensors are asked to live on: the CPU, or PyTorch's CPU-build error for any other (``factory``:
    see ``not_compiled``)."""
    if d is None:
        return CPU
    d = d if isinstance(d, device) else device(d)
    if d.type != "cpu":
        raise not_compiled(d.type, factory)
    return d
