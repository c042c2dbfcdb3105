"""``trace`` and the object it returns."""
from __future__ import annotations

from ._graph import Graph
from ._tracer import capture


class TracedModule:
    """A traced model: calls run the original module (or function); ``graph`` and ``code`` show what one forward
    ran. Every other attribute (``state_dict``, ``eval``, ``parameters``...) is the original's."""

    def __init__(self, original, graph: Graph) -> None:
        self._original = original
        self.graph = graph

    @property
    def code(self) -> str:
        return self.graph.code()

    def __call__(self, *args, **kwargs):
        return self._original(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["_original"], name)

    def __repr__(self) -> str:
        return f"TracedModule({self._original!r})"


def trace(func, example_inputs) -> TracedModule:
    """Run ``func(*example_inputs)`` once and record its ops (``torch.jit.trace``).

    ``func`` is an ``nn.Module`` or a callable; ``example_inputs`` a Tensor or a tuple of Tensors. Python control
    flow that reads a tensor's value (``if x.sum() > 0``) is frozen into the trace; a ``TracerWarning`` says so.
    """
    return TracedModule(func, capture(func, example_inputs))
