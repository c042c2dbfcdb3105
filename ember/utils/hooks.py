"""The handle every ``register_*hook`` returns (``torch.utils.hooks.RemovableHandle``), for tensor, graph-node,
module and optimizer hooks alike.

Hooks are kept as PyTorch keeps them: in an ``OrderedDict`` keyed by the handle's ``id``, so removing one is a
dict deletion and registration order is iteration order. This file sits at the bottom of ember's layers (autograd
imports it) and imports nothing from ember.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any, Callable

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Takes a hook out of ``hooks_dict`` on ``remove()`` or at the end of a ``with`` block; removing twice is
    harmless.

    ``extra_dict``: one dict or a list of dicts keyed by the same id (a hook's ``with_kwargs`` or ``always_call``
    flag) whose entries go with it. Only weak references are held, so a handle never keeps its owner alive.
    """

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref: tuple = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    # weak references cannot be pickled: a handle (inside a deep-copied module, say) travels as its dicts and id
    def __getstate__(self) -> tuple:
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: tuple) -> None:
        # a handle whose dict is gone points at a fresh, unreferenced one: removing through it does nothing
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = () if len(state) < 3 else tuple(weakref.ref(d) for d in state[2] if d is not None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _add_hook(hooks: OrderedDict, hook: Callable, *, prepend: bool = False, extra_dict: Any = None
              ) -> RemovableHandle:
    """Store ``hook`` in ``hooks`` under a new handle's id (first when ``prepend``); return the handle."""
    handle = RemovableHandle(hooks, extra_dict=extra_dict)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
