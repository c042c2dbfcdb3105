"""The ``*_copy`` functions: each view op's result as a new tensor that owns its data (PyTorch's functional forms
of its views)."""
from __future__ import annotations

from . import diagonal as _diagonal
from . import shape as _shape
from ._util import normalize_dim
from .complex_numbers import view_as_complex, view_as_real
from .rearrange import split_with_sizes, unfold


def _copied(view, name: str):
    def fn(input, *args, **kwargs):
        out = view(input, *args, **kwargs)
        if isinstance(out, (tuple, list)):
            return tuple(o.clone() for o in out)
        return out.clone()

    fn.__name__ = name
    fn.__doc__ = f"``{view.__name__}`` as a new tensor (no view)."
    return fn


def _slice(input, dim: int = 0, start=None, end=None, step: int = 1):
    return input[(slice(None),) * normalize_dim(dim, input.ndim) + (slice(start, end, step),)]


def _detach(input):
    return input.detach()


def _alias(input):
    return input.view(input.shape)


alias_copy = _copied(_alias, "alias_copy")
detach_copy = _copied(_detach, "detach_copy")
diagonal_copy = _copied(_diagonal.diagonal, "diagonal_copy")
expand_copy = _copied(lambda input, size, *, implicit=False: _shape.expand(input, size), "expand_copy")
narrow_copy = _copied(_shape.narrow, "narrow_copy")
permute_copy = _copied(_shape.permute, "permute_copy")
select_copy = _copied(_shape.select, "select_copy")
slice_copy = _copied(_slice, "slice_copy")
split_copy = _copied(_shape.split, "split_copy")
split_with_sizes_copy = _copied(split_with_sizes, "split_with_sizes_copy")
squeeze_copy = _copied(_shape.squeeze, "squeeze_copy")
t_copy = _copied(_shape.t, "t_copy")
transpose_copy = _copied(_shape.transpose, "transpose_copy")
unbind_copy = _copied(_shape.unbind, "unbind_copy")
unfold_copy = _copied(unfold, "unfold_copy")
unsqueeze_copy = _copied(_shape.unsqueeze, "unsqueeze_copy")
view_copy = _copied(lambda input, *shape: input.view(*shape), "view_copy")
view_as_real_copy = _copied(view_as_real, "view_as_real_copy")
view_as_complex_copy = _copied(view_as_complex, "view_as_complex_copy")
