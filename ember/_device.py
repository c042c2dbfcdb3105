"""``ember.device``: only the CPU exists until a GPU backend is added."""
from __future__ import annotations


class device:
    """A device descriptor, ``device(type='cpu')``; accepts 'cpu', 'cpu:0' or another device."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device" = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta device type at start of device string: {type}")
        self.type = name
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(d) -> device:
    """Return the device, raising a clear error for any device but the CPU."""
    if d is None:
        return CPU
    d = device(d) if not isinstance(d, device) else d
    if d.type != "cpu":
        raise RuntimeError(
            f"ember has no {d.type} backend yet: tensors live on the CPU only (asked for device '{d}')"
        )
    return d
