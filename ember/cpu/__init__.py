"""``ember.cpu``: the CPU as ``torch.cpu`` presents it, a device that is always there, with streams and events
that order nothing (CPU work runs in program order)."""
from __future__ import annotations

import contextlib

from .._device import device
from . import amp  # noqa: F401  (torch.cpu.amp is there without an import of its own)

__all__ = ["Event", "Stream", "StreamContext", "current_device", "current_stream", "device_count", "is_available",
           "is_initialized", "set_device", "stream", "synchronize"]


def is_available() -> bool:
    return True


def is_initialized() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def set_device(device: device | str | int | None) -> None:
    """Accepted and ignored, as in PyTorch."""


def synchronize(device: device | str | int | None = None) -> None:
    """Nothing to wait for: CPU work is done when its call returns."""


class Stream:
    """``torch.cpu.Stream``: its waits return at once."""

    def __init__(self, priority: int = -1) -> None:
        self.priority = priority

    def wait_stream(self, stream: "Stream") -> None:
        pass

    def wait_event(self, event: "Event") -> None:
        pass

    def record_event(self, event: "Event | None" = None) -> None:
        pass


class Event:
    """``torch.cpu.Event``: recorded, waited for and queried at once."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False) -> None:
        self.enable_timing = enable_timing

    def record(self, stream: Stream | None = None) -> None:
        pass

    def wait(self, stream: Stream | None = None) -> None:
        pass

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        pass


_STREAM = Stream()


def current_stream(device: device | str | int | None = None) -> Stream:
    return _STREAM


class StreamContext(contextlib.AbstractContextManager):
    """``with torch.cpu.stream(s):``: nothing to switch."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def stream(stream: Stream) -> contextlib.AbstractContextManager:
    return StreamContext(stream)
