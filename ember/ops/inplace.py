"""In-place operations under autograd: ``t.add_(x)``, ``t[i] = v``, ``t.relu_()`` ... .

An in-place op is computed out of place, then written into the tensor's storage, and the tensor takes over the
result's history. Three PyTorch rules are kept:

* a leaf that requires grad (or a view of one) refuses in-place changes while grad mode is on;
* values saved for backward stay valid: if the op saved the tensor's old values they are snapshotted, and a
  later in-place change of a value saved by an earlier op raises at backward (the version counter);
* writing through a view changes its base: the base's history becomes ``CopySlices`` (old base outside the
  view's region, the op's result inside) and the view's becomes ``AsStridedBackward0`` of the new base.
"""
from __future__ import annotations

import numpy as np

from .._dtype import _type_name
from .._tensor import wrap
from ..autograd.function import AccumulateGrad, Op
from ..autograd.grad_mode import STATE
from ._util import broadcast_error, sum_to
from .index import IndexPutImplBackward0


class CopySlices(Op):
    """The base after an in-place op on one of its views: ``base`` outside ``region``, ``result`` inside."""

    @staticmethod
    def forward(ctx, base, result, region):
        ctx.meta = (base.shape, result.shape, region)
        return base

    @staticmethod
    def backward(ctx, g):
        shape, result_shape, region = ctx.meta
        if region is None:  # the view is the whole base, in the same order: a reshape
            return None, g.reshape(result_shape), None
        need = ctx.needs_input_grad
        g_base = g_result = None
        if need[0]:
            mask = np.ones(g.numel(), dtype=g._data.dtype)
            mask[region] = 0
            g_base = g * wrap(mask.reshape(shape))
        if need[1]:
            g_result = g.reshape(-1)[wrap(region)]
        return g_base, g_result, None


class AsStridedBackward0(Op):
    """A view (``region`` of ``base``, flat C-order positions) re-attached to its base's new history."""

    @staticmethod
    def forward(ctx, base, view, region):
        ctx.meta = (base.shape, region)
        return view

    @staticmethod
    def backward(ctx, g):
        shape, region = ctx.meta
        if region is None:
            return g.reshape(shape), None, None
        return IndexPutImplBackward0.apply(g, (int(np.prod(shape)),), region).reshape(shape), None, None


class CopyBackwards(Op):
    """``dst.copy_(src)`` computed out of place: ``src`` broadcast to ``dst`` and cast to its dtype; dst's old
    values get a zero gradient, src's gradient is cast back."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_meta = (src.shape, src.dtype)
        try:
            out = np.broadcast_to(src, np.broadcast_shapes(dst.shape, src.shape))
        except ValueError:
            raise broadcast_error(dst.shape, src.shape) from None
        return out if src.dtype == dst.dtype else out.astype(dst.dtype)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        g_src = None
        if need[1]:
            shape, dtype = ctx.src_meta
            g_src = sum_to(g, shape)
            g_src = g_src if g_src._data.dtype == dtype else g_src.to(dtype)
        return (_zeros_like(g) if need[0] else None), g_src


class FillBackward2(Op):
    """``fill_(number)`` computed out of place; the old values get a zero gradient."""

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return _zeros_like(g), None


class FillBackward3(Op):
    """``fill_(tensor)`` computed out of place: the value's gradient is the sum of the incoming one."""

    _inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = value.shape
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (_zeros_like(g) if need[0] else None), (sum_to(g, ctx.value_shape) if need[1] else None)


class ZeroBackward0(Op):
    """``zero_()`` computed out of place; the old values get a zero gradient."""

    @staticmethod
    def forward(ctx, x):
        return np.zeros_like(x)

    @staticmethod
    def backward(ctx, g):
        return _zeros_like(g)


def _zeros_like(g):
    return wrap(np.zeros_like(g._data))


def _region(view: np.ndarray, base: np.ndarray) -> np.ndarray | None:
    """Flat C-order positions in ``base`` of every element of ``view`` (which lies in base's memory); None when
    the view is all of base in C order (a reshape), the common case that needs no index."""
    if (view.size == base.size and view.flags.c_contiguous and base.flags.c_contiguous
            and view.__array_interface__["data"][0] == base.__array_interface__["data"][0]):
        return None
    item = base.itemsize
    lo = sum((n - 1) * s for n, s in zip(base.shape, base.strides) if s < 0)
    hi = sum((n - 1) * s for n, s in zip(base.shape, base.strides) if s > 0)
    buf = np.full((hi - lo) // item + 1, -1, dtype=np.int64)
    start = -lo // item
    as_strided = np.lib.stride_tricks.as_strided
    scratch = as_strided(buf[start:], base.shape, tuple(s // item * 8 for s in base.strides), writeable=True)
    scratch[...] = np.arange(base.size).reshape(base.shape)
    offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item
    region = as_strided(buf[start + offset:], view.shape, tuple(s // item * 8 for s in view.strides))
    return np.array(region)


def _saved_refs(root, target, result, args) -> list:
    """(node, slot, is_target) for every value saved as ``target`` or ``result`` by the nodes the in-place op
    just recorded (the walk stops at the inputs' own nodes, so it only visits the op's few new nodes)."""
    stop = {target.grad_fn}
    stop.update(a.grad_fn for a in args if hasattr(a, "_data"))
    found, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node is None or node in stop or node in seen or type(node) is AccumulateGrad:
            continue
        seen.add(node)
        for i, entry in enumerate(node.__dict__.get("_saved", ())):
            t = entry[0]
            # an output is saved as a twin over the same array (function._save_output)
            if t is target or t is result or type(entry[2]) is int and t._data is result._data:
                found.append((node, i, t is target))
        stack.extend(n for n, _ in node._edges)
    return found


def apply_inplace(self, fn, args, kwargs):
    """Run ``fn(self, *args, **kwargs)`` and write the result into ``self`` (see the module docstring)."""
    recording = STATE.enabled and (self._requires_grad or any(getattr(a, "_requires_grad", False) for a in args))
    base = self._base
    if recording:
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    data = self._data
    if not data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")
    result = fn(self, *args, **kwargs)
    out = result._data
    if out.dtype != data.dtype and not np.can_cast(out.dtype, data.dtype, "same_kind"):
        raise RuntimeError(f"result type {_type_name(out.dtype)} can't be cast to the desired output type "
                           f"{_type_name(data.dtype)}")
    if out.shape != data.shape:
        raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast shape "
                           f"{list(out.shape)}")
    saved = _saved_refs(result.grad_fn, self, result, args) if recording and result.grad_fn is not None else ()
    if any(is_target for _, _, is_target in saved):
        # the op saved this tensor's old values for backward: keep them in a snapshot with the old history (an op
        # that saved only its result, as relu_, needs none: the result is what self will hold)
        old = wrap(data.copy())
        old._requires_grad, old.grad_fn, old._output_nr = self._requires_grad, self.grad_fn, self._output_nr
    data[...] = out
    self._version_counter[0] += 1
    if not recording:
        return self
    if base is not None and base._data is not data and np.may_share_memory(base._data, data):
        region = _region(data, base._data)
        new_base = CopySlices.apply(base, result, region)
        base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, 0, True
        view = AsStridedBackward0.apply(base, data, region)
        self.grad_fn, self._output_nr, self._requires_grad = view.grad_fn, 0, True
    else:
        self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
        self._requires_grad = result._requires_grad
    for node, i, is_target in saved:
        entries = list(node._saved)
        # the result now lives in self: a later in-place change of self must be caught, as in PyTorch
        entries[i] = (old, None, None) if is_target else (self, self._version_counter[0], self.grad_fn)
        node._saved = tuple(entries)
    return self
