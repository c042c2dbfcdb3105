"""Lazy modules' shared part (PyTorch's ``torch.nn.modules.lazy``): a lazy module is built without its input size;
its parameters are ``UninitializedParameter`` placeholders until the first forward (or a ``load_state_dict``) shows
the size; then they get their shapes, the module initialises them as the eager module would, and it becomes that
module (``cls_to_become``). The lazy classes live beside their eager twins (``LazyLinear`` in ``linear.py``...).
"""
from __future__ import annotations

from ..._tensor import wrap
from ..parameter import UninitializedBuffer, is_lazy

__all__ = ["LazyModuleMixin"]


def _infer_parameters(module, args) -> None:
    """The forward pre-hook of a lazy module: size its parameters from the first input, then stop being lazy."""
    module.initialize_parameters(*args)
    if not module.has_uninitialized_params():
        module._lazy_hook.remove()
        del module._lazy_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """What lazy modules share: the pre-hook, the check for placeholders, and loading a checkpoint into them."""

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._start_lazy()

    def _start_lazy(self) -> None:
        """Size the parameters at the first forward (the pre-hook removes itself then)."""
        self._lazy_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def _materialize(self, shapes: dict) -> None:
        """Give each named placeholder its shape; buffers are then registered as plain tensors."""
        for name, shape in shapes.items():
            placeholder = self._parameters.get(name, self._buffers.get(name))
            if is_lazy(placeholder):
                placeholder.materialize(shape)
                if isinstance(placeholder, UninitializedBuffer):
                    self._buffers[name] = wrap(placeholder._data)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # a checkpoint gives the shapes: placeholders take them before the usual copy checks them
        shapes = {name: tuple(state_dict[prefix + name].shape)
                  for name, t in (*self._parameters.items(), *self._buffers.items())
                  if is_lazy(t) and prefix + name in state_dict}
        self._materialize(shapes)
        if shapes:
            self._sizes_from_loaded(shapes)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def _sizes_from_loaded(self, shapes: dict) -> None:
        """Set the size attribute (in_features, in_channels, num_features) that loaded shapes reveal."""
        raise NotImplementedError


def lazy_class(mixin: type, eager: type, size_name: str, init, module: str) -> type:
    """The class ``Lazy<eager>``: ``mixin`` over ``eager`` with the constructor ``init``, becoming ``eager``."""
    doc = f"``{eager.__name__}`` whose ``{size_name}`` is taken from the first input."
    return type("Lazy" + eager.__name__, (mixin, eager), {"__init__": init, "cls_to_become": eager, "__doc__": doc,
                                                          "__module__": module})
