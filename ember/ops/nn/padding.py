"""``F.pad``: constant, reflect, replicate and circular padding of the last dims.

Constant padding (negative amounts crop) is its own adjoint with the amounts negated. The other modes gather
through one index array per padded dim; their gradient scatter-adds back, and the two Ops are each other's
gradient, so double backward works.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import Op

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPadNdBackward0(Op):
    """Pad the last dims with ``value``; ``pads`` holds ``(lo, hi)`` per dim, first dim first."""

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        lead = x.ndim - len(pads)
        shape = x.shape[:lead] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[lead:], pads))
        out = np.full(shape, value, dtype=x.dtype)
        src = tuple(slice(max(0, -lo), s - max(0, -hi)) for s, (lo, hi) in zip(x.shape[lead:], pads))
        dst = tuple(slice(max(0, lo), max(0, lo) + max(0, sl.stop - sl.start)) for sl, (lo, _) in zip(src, pads))
        if all(sl.stop > sl.start for sl in src):
            out[(Ellipsis,) + dst] = x[(Ellipsis,) + src]
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPadNdBackward0.apply(g, tuple((-lo, -hi) for lo, hi in ctx.pads), 0), None, None


def _index(size: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Source position of each output position along one dim."""
    p = np.arange(-lo, size + hi)
    if mode == "reflect":
        p = np.abs(p)
        return np.where(p >= size, 2 * (size - 1) - p, p)
    if mode == "replicate":
        return np.clip(p, 0, size - 1)
    # circular: PyTorch crops first (negative amounts), then wraps around what is left
    start, kept = max(0, -lo), size - max(0, -lo) - max(0, -hi)
    return np.arange(-max(0, lo), kept + max(0, hi)) % max(kept, 1) + start


class _IndexPad(Op):
    """Reflect / replicate / circular padding: ``out = x[..., idx_0, idx_1, ...]`` (outer product of indices).
    The node classes come from ``_index_pad``; ``_grad_op`` is the one of the gradient."""

    _grad_op: type

    @staticmethod
    def forward(ctx, x, indices):
        ctx.meta = (x.shape, indices)
        return x[(Ellipsis,) + np.ix_(*indices)]

    @staticmethod
    def backward(ctx, g):
        return type(ctx)._grad_op.apply(g, *ctx.meta), None


class _IndexPadGrad(Op):
    """Adjoint of ``_IndexPad``: scatter-add each output position back onto its source, one dim at a time."""

    _grad_op: type

    @staticmethod
    def forward(ctx, g, shape, indices):
        ctx.indices = indices
        for i, idx in enumerate(indices):
            axis = len(shape) - len(indices) + i
            moved = np.moveaxis(g, axis, 0)
            acc = np.zeros((shape[axis],) + moved.shape[1:], g.dtype)
            np.add.at(acc, idx, moved)
            g = np.moveaxis(acc, 0, axis)
        return np.ascontiguousarray(g)

    @staticmethod
    def backward(ctx, gg):
        return type(ctx)._grad_op.apply(gg, ctx.indices), None, None


def _index_pad(name: str, grad_name: str) -> type:
    """The padding Op under PyTorch's node name, its gradient's node under ``grad_name`` (each the other's
    gradient)."""
    op = type(name, (_IndexPad,), {"__module__": __name__})
    op._grad_op = type(grad_name, (_IndexPadGrad,), {"__module__": __name__, "_grad_op": op})
    return op


_INDEX_PAD = {(mode, nd): _index_pad(f"{kind}Pad{nd}DBackward0", f"{kind}Pad{nd}DBackwardBackward0")
              for mode, kind in (("reflect", "Reflection"), ("replicate", "Replication")) for nd in (1, 2, 3)}
_CIRCULAR_PAD = _index_pad("CopySlices", "SliceBackwardBackward0")  # PyTorch pads circularly by slice copies
_INDEX_PAD.update({("circular", nd): _CIRCULAR_PAD for nd in (1, 2, 3)})


def _unsupported(n: int, ndim: int) -> NotImplementedError:
    return NotImplementedError(
        f"Padding size {n} is not supported for {ndim}D input tensor.\n"
        "Supported combinations for non-constant padding:\n"
        "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
        "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
        "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_mode(input, pads: tuple, mode: str) -> None:
    """PyTorch's checks for the non-constant modes; ``pads`` is first-dim-first."""
    shape, nd = tuple(input.shape), len(pads)
    if nd not in (1, 2, 3) or input.ndim not in (nd + 1, nd + 2):
        raise _unsupported(2 * nd, input.ndim)
    if mode in ("reflect", "replicate"):
        if input._data.dtype == np.bool_:
            kind = "reflection" if mode == "reflect" else "replication"
            raise NotImplementedError(f"\"{kind}_pad{nd}d\" not implemented for 'Bool'")
        if 0 in shape[input.ndim - nd - 1:]:
            raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 batch size and "
                               f"other non-zero dimensions for input, but got: {list(shape)}")
    for i in range(nd):  # PyTorch checks from the last dim
        dim = input.ndim - 1 - i
        lo, hi = pads[nd - 1 - i]
        size = shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {dim} of input {list(shape)}")
        if mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = [s + lo + hi for s, (lo, hi) in zip(shape[input.ndim - nd:], pads)]
    if mode != "circular" and min(out) <= 0:
        names = "DHW"[3 - nd:]
        sizes = ", ".join(f"{a}: {s}" for a, s in zip(names, shape[input.ndim - nd:]))
        outs = " ".join(f"{a}: {s}" for a, s in zip(names, out))
        raise RuntimeError(f"input ({sizes}) is too small. Calculated output {outs}")


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, front, back)``, last dim first.

    Modes: ``'constant'`` (with ``value``, default 0; negative amounts crop), ``'reflect'``, ``'replicate'``,
    ``'circular'`` (the last three pad 1 to 3 dims of a batched or unbatched input).
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pads = tuple((pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2))
    if mode == "constant":
        lead = input.ndim - len(pads)
        for s, (lo, hi) in zip(input.shape[lead:], pads):
            if s + lo + hi < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        return ConstantPadNdBackward0.apply(input, pads, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    _check_mode(input, pads, mode)
    sizes = input.shape[input.ndim - len(pads):]
    indices = tuple(_index(s, lo, hi, mode) for s, (lo, hi) in zip(sizes, pads))
    return _INDEX_PAD[mode, len(pads)].apply(input, indices)
