"""The note a failed module call adds to its exception: which module failed, reached how, called with what.

PyTorch's exception type and message pass through unchanged; the context goes in one exception note
(``BaseException.add_note``), e.g. ``in LeNet.conv2 = Conv2d(6, 16, kernel_size=(6, 6), stride=(1, 1)) called with
input of shape (1, 6, 14, 14)``. ``Module.__call__`` catches on the way out: the innermost module writes the note and
records itself on the exception, each enclosing module then puts its class name and the child's attribute path in
front. Nothing is kept while calling, so a call that succeeds pays nothing.
"""
from __future__ import annotations

from typing import Any

from ..._tensor import Tensor

# not errors: they end loops and generators, a note would only cost time
CONTROL_FLOW = (StopIteration, StopAsyncIteration)


class _ModuleNote:
    """The note written so far: ``module`` is the last module that wrote it (None once an enclosing module does not
    hold it, which ends the path), ``path`` leads from it to the failed module, ``call`` describes that call."""

    __slots__ = ("module", "path", "call")

    def __init__(self, module, path: str, call: str) -> None:
        self.module, self.path, self.call = module, path, call

    def __str__(self) -> str:
        return f"in {self.path} = {self.call}"


def add_module_note(error: BaseException, module, args: tuple, kwargs: dict) -> None:
    """Name ``module`` in ``error``'s note: as the failed module if no inner module did, else as the head of the
    path down to it."""
    note = getattr(error, "_ember_module_note", None)
    if note is None:
        call = f"{type(module).__name__}({module.extra_repr()}) called with {_describe_inputs(args, kwargs)}"
        note = _ModuleNote(module, type(module).__name__, call)
        error._ember_module_note = note
        error.add_note(str(note))
        return
    if note.module is None or note.module is module:  # the path has ended, or a module called itself
        return
    inner = note.path.partition(".")[2]
    name = next((name for name, sub in module.named_modules() if sub is note.module), None)
    if name is None:
        note.module = None
        return
    notes, old = getattr(error, "__notes__", []), str(note)
    note.module = module
    note.path = ".".join(filter(None, (type(module).__name__, name, inner)))
    if old in notes:
        notes[notes.index(old)] = str(note)


def _describe_inputs(args: tuple, kwargs: dict) -> str:
    """``input of shape (2, 3)``; several inputs list each (a non-tensor by its type name)."""
    parts = [_describe(a) for a in args] + [f"{key}={_describe(value)}" for key, value in kwargs.items()]
    if not parts:
        return "no input"
    if len(parts) > 1:
        return "inputs of shapes " + ", ".join(parts)
    if kwargs:
        return "input " + parts[0]
    return f"input of shape {parts[0]}" if isinstance(args[0], Tensor) else f"input of type {parts[0]}"


def _describe(value: Any) -> str:
    return str(tuple(value.shape)) if isinstance(value, Tensor) else type(value).__name__
