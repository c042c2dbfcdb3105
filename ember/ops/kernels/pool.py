"""NumPy kernels for pooling, vectorised over every leading (batch, channel) dim.

Max and average pooling over a box are separable: pooling the last spatial dim first, then the one before it, and
so on, gives the same values, and for max the same argmax as PyTorch's row-major scan (first strict maximum;
with NaNs, the last NaN). Each 1-d step is a loop over the kernel offsets of that dim on strided views, so no
loop runs over pixels and the work per step is about ``k`` passes over the step's output.
"""
from __future__ import annotations

import math

import numpy as np


def adaptive_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each adaptive window: floor(i*size/out) and ceil((i+1)*size/out)."""
    i = np.arange(out, dtype=np.int64)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return start, end


class Geometry:
    """Per-dim window parameters of a regular (non-adaptive) pooling over the last ``nd`` axes."""

    __slots__ = ("k", "s", "p", "d", "size", "out", "alloc", "padded")

    def __init__(self, size: tuple, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple) -> None:
        self.k, self.s, self.p, self.d, self.size, self.out = k, s, p, d, size, out
        alloc = []
        for n, kj, sj, pj, dj, oj in zip(size, k, s, p, d, out):
            need = (oj - 1) * sj + (kj - 1) * dj + 1
            alloc.append(n if pj == 0 and need <= n else max(n + 2 * pj, need))
        self.alloc = tuple(alloc)
        self.padded = tuple(a != n or pj != 0 for a, n, pj in zip(alloc, size, p))

    def pad(self, x: np.ndarray, fill) -> np.ndarray:
        """``x`` placed inside an array of the padded extent filled with ``fill`` (``x`` itself if none is needed)."""
        if not any(self.padded):
            return x
        out = np.full(x.shape[:x.ndim - len(self.k)] + self.alloc, fill, dtype=x.dtype)
        out[self._interior()] = x
        return out

    def _interior(self) -> tuple:
        return (Ellipsis,) + tuple(slice(pj, pj + n) for pj, n in zip(self.p, self.size))

    def crop(self, g: np.ndarray) -> np.ndarray:
        """The input-sized part of a padded-extent array."""
        return g[self._interior()] if any(self.padded) else g


def _slicer(ndim: int, axis: int, k: int, s: int, d: int, o: int):
    """view(arr, t): the strided view of offset ``t`` of every window along ``axis``."""
    def view(arr, t):
        index = [slice(None)] * ndim
        index[axis] = slice(t * d, t * d + (o - 1) * s + 1, s)
        return arr[tuple(index)]
    return view


def max_step(y: np.ndarray, view, k: int):
    """Max over ``k`` views and the first offset reaching it (last NaN offset where a window holds NaN).

    The offset is a bool for k == 2 and int8 otherwise; it is built with branch-free maximum/multiply, because
    masked writes (``np.copyto(where=)``, ``np.where``) are an order of magnitude slower on random masks.
    """
    if k == 1:
        return np.array(view(y, 0)), None
    v0, v1 = view(y, 0), view(y, 1)
    arg = np.greater(v1, v0)
    best = np.maximum(v0, v1)
    if k > 2:
        dtype = np.int8 if k < 128 else np.int16 if k < 32768 else np.int32
        arg = arg.view(np.int8) if dtype is np.int8 else arg.astype(dtype)
        step = np.empty(arg.shape, dtype=dtype)
        for t in range(2, k):
            v = view(y, t)
            m = np.greater(v, best)
            np.maximum(best, v, out=best)
            # offsets only grow, so the last t whose value beat the running max is the largest t * m
            np.multiply(m.view(np.int8), dtype(t), out=step)
            np.maximum(arg, step, out=arg)
    if best.dtype.kind == "f":
        nan = np.isnan(best)
        if nan.any():
            for t in range(k):
                np.copyto(arg, np.asarray(t, dtype=arg.dtype), where=nan & np.isnan(view(y, t)))
    return best, arg


def _first_in_class(k: int, s: int, d: int) -> list:
    """For each kernel offset, whether it is the first to write its positions (offset*d mod stride): windows of
    one residue class never overlap each other, so the first may assign instead of add."""
    seen = set()
    firsts = []
    for t in range(k):
        firsts.append((t * d) % s not in seen)
        seen.add((t * d) % s)
    return firsts


def _first_valid(o: int, s: int, p: int, d: int) -> np.ndarray:
    """Per window, the first kernel offset that lands inside the input (where PyTorch starts its scan)."""
    start = np.arange(o) * s - p
    return np.where(start < 0, (-start + d - 1) // d, 0)


def max_pool(x: np.ndarray, g: Geometry):
    """Max over each window of the last ``len(g.k)`` axes -> (values, per-dim argmax offsets)."""
    nd = len(g.k)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    y = g.pad(x, fill)
    args = [None] * nd
    for j in reversed(range(nd)):
        axis = y.ndim - nd + j
        view = _slicer(y.ndim, axis, g.k[j], g.s[j], g.d[j], g.out[j])
        y, arg = max_step(y, view, g.k[j])
        if g.padded[j] and arg is not None:
            low = y == fill
            if low.any():
                first = _first_valid(g.out[j], g.s[j], g.p[j], g.d[j])
                shape = [1] * y.ndim
                shape[axis] = -1
                arg = np.where(low, first.reshape(shape).astype(arg.dtype), arg)
        args[j] = arg
    return y, args


def max_pool_backward(grad: np.ndarray, args: list, g: Geometry) -> np.ndarray:
    """Route each output gradient to its argmax (scatter, summing where windows overlap)."""
    nd = len(g.k)
    # multiplying by the 0/1 mask is branch-free and fast, but inf * 0 would leak NaN into unselected inputs
    finite = grad.dtype.kind != "f" or bool(np.isfinite(grad).all())
    z = np.zeros((), grad.dtype)
    for j in range(nd):
        axis = grad.ndim - nd + j
        k, s, d, o, n = g.k[j], g.s[j], g.d[j], g.out[j], g.alloc[j]
        view = _slicer(grad.ndim, axis, k, s, d, o)
        shape = list(grad.shape)
        shape[axis] = n
        full = d == 1 and s == k and o * s == n
        gi = np.empty(shape, grad.dtype) if full else np.zeros(shape, grad.dtype)
        arg = args[j]
        for t, first in enumerate(_first_in_class(k, s, d)):
            target = view(gi, t)
            if arg is None:
                mask = None
            elif arg.dtype == np.bool_:
                mask = arg if t else ~arg
            else:
                mask = arg == t
            if mask is None:
                sel = grad
            elif not finite:
                sel = np.where(mask, grad, z)
            elif first:
                np.multiply(grad, mask, out=target)
                continue
            else:
                sel = np.multiply(grad, mask)
            if first:
                target[...] = sel
            else:
                target += sel
        grad = gi
    return g.crop(grad)


def max_pool_gather(gg: np.ndarray, args: list, g: Geometry) -> np.ndarray:
    """The value of ``gg`` (input-shaped) at every window's argmax: the adjoint of ``max_pool_backward``."""
    nd = len(g.k)
    y = g.pad(gg, 0)
    for j in reversed(range(nd)):
        axis = y.ndim - nd + j
        view = _slicer(y.ndim, axis, g.k[j], g.s[j], g.d[j], g.out[j])
        res = np.array(view(y, 0))
        arg = args[j]
        for t in range(1, g.k[j]):
            np.copyto(res, view(y, t), where=arg if arg.dtype == np.bool_ else arg == t)
        y = res
    return y


def flat_indices(args: list, coord, extents: tuple, lead: tuple, out: tuple, size: tuple) -> np.ndarray:
    """int64 index of each window's argmax within its input plane (PyTorch's ``return_indices``).

    ``coord(j, t)`` maps dim ``j``'s argmax offsets ``t`` (at the final output positions) to (input coordinate,
    coordinate in the ``extents`` space the steps ran on, i.e. padded).
    """
    nd = len(out)
    full = lead + out
    inp, step = [], []
    for j in range(nd):
        a = args[j]
        if a is None:
            t = np.zeros(full, dtype=np.int64)
        elif j == 0:
            t = a.astype(np.int64)
        else:
            # dim j's offsets were taken before the outer dims were reduced: pick them at the chosen outer coords
            flat = np.zeros(full, dtype=np.int64)
            for i in range(j):
                flat = flat * extents[i] + step[i]
            rest = math.prod(out[j:])
            a2 = a.reshape(lead + (math.prod(extents[:j]), rest))
            t = np.take_along_axis(a2, flat.reshape(lead + (math.prod(out[:j]), rest)), axis=-2)
            t = t.reshape(full).astype(np.int64)
        c_in, c_step = coord(j, t)
        inp.append(c_in)
        step.append(c_step)
    result = np.zeros(full, dtype=np.int64)
    for j in range(nd):
        result = result * size[j] + inp[j]
    return result


def regular_coord(g: Geometry):
    """coord(j, t) for a regular pooling: (input coordinate, padded coordinate)."""
    nd = len(g.k)

    def coord(j, t):
        shape = [1] * nd
        shape[j] = -1
        start = (np.arange(g.out[j], dtype=np.int64) * g.s[j]).reshape(shape)
        padded = start + t * g.d[j]
        return padded - g.p[j], padded
    return coord


def avg_pool_sum(x: np.ndarray, g: Geometry) -> np.ndarray:
    """Sum over each window (zero padding) of the last ``len(g.k)`` axes."""
    nd = len(g.k)
    y = g.pad(x, 0)
    for j in reversed(range(nd)):
        axis = y.ndim - nd + j
        view = _slicer(y.ndim, axis, g.k[j], g.s[j], 1, g.out[j])
        if g.k[j] == 1:
            y = np.array(view(y, 0))
            continue
        acc = np.add(view(y, 0), view(y, 1))
        for t in range(2, g.k[j]):
            acc += view(y, t)
        y = acc
    return y


def avg_pool_scatter(grad: np.ndarray, g: Geometry) -> np.ndarray:
    """Adjoint of ``avg_pool_sum``: every window's gradient spread over its (unpadded) inputs."""
    nd = len(g.k)
    for j in range(nd):
        axis = grad.ndim - nd + j
        k, s, o, n = g.k[j], g.s[j], g.out[j], g.alloc[j]
        view = _slicer(grad.ndim, axis, k, s, 1, o)
        shape = list(grad.shape)
        shape[axis] = n
        if k == s and o * s == n and axis < grad.ndim - 1:
            # windows tile this axis and whole rows follow it: broadcast each row k times (memcpy speed)
            gi = np.empty(grad.shape[:axis + 1] + (k,) + grad.shape[axis + 1:], grad.dtype)
            gi[...] = np.expand_dims(grad, axis + 1)
            grad = gi.reshape(shape)
            continue
        gi = np.empty(shape, grad.dtype) if k == s and o * s == n else np.zeros(shape, grad.dtype)
        for t, first in enumerate(_first_in_class(k, s, 1)):
            if first:
                view(gi, t)[...] = grad
            else:
                view(gi, t)[...] += grad
        grad = gi
    return g.crop(grad)


def adaptive_positions(size: int, out: int) -> np.ndarray:
    """(out, K) input positions of each adaptive window, the short ones padded with their last position (a
    repeat never wins a strict-greater max scan, so the argmax is unchanged)."""
    start, end = adaptive_windows(size, out)
    k = int((end - start).max()) if out else 1
    return np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)


def adaptive_max_pool(x: np.ndarray, out: tuple):
    """Adaptive max over the last ``len(out)`` axes -> (values, int64 flat indices within each plane)."""
    nd = len(out)
    size = x.shape[-nd:]
    tables = [adaptive_positions(n, o) for n, o in zip(size, out)]
    y = x
    args = [None] * nd
    for j in reversed(range(nd)):
        axis = y.ndim - nd + j
        pos = tables[j]

        def view(arr, t, pos=pos, axis=axis):
            return np.take(arr, pos[:, t], axis=axis)
        y, args[j] = max_step(y, view, pos.shape[1])

    def coord(j, t):
        shape = [1] * nd
        shape[j] = -1
        c = tables[j][np.arange(out[j]).reshape(shape), t]
        return c, c
    return y, flat_indices(args, coord, size, x.shape[:-nd], out, size)


def flat_scatter_add(grad: np.ndarray, idx: np.ndarray, plane: tuple) -> np.ndarray:
    """Zeros of shape lead + ``plane`` with ``grad`` summed in at the flat plane positions ``idx``."""
    lead = grad.shape[:grad.ndim - len(plane)]
    n, size = math.prod(lead), math.prod(plane)
    flat = (idx.reshape(n, -1) + (np.arange(n, dtype=np.int64) * size)[:, None]).ravel()
    acc = np.bincount(flat, weights=grad.reshape(-1), minlength=n * size)
    return acc.astype(grad.dtype, copy=False).reshape(lead + tuple(plane))


def flat_gather(x: np.ndarray, idx: np.ndarray, nd: int) -> np.ndarray:
    """``x`` (lead + plane of ``nd`` dims) read at the flat plane positions ``idx`` (lead + anything)."""
    lead = x.shape[:x.ndim - nd]
    src = x.reshape(lead + (-1,))
    return np.take_along_axis(src, idx.reshape(lead + (-1,)), axis=-1).reshape(idx.shape)


def flat_scatter_assign(x: np.ndarray, idx: np.ndarray, plane: tuple) -> np.ndarray:
    """Zeros of shape lead + ``plane`` with ``x`` written at the flat plane positions ``idx`` (MaxUnpool)."""
    nd_in = len(plane)
    lead = x.shape[:x.ndim - nd_in]
    out = np.zeros(lead + (math.prod(plane),), dtype=x.dtype)
    np.put_along_axis(out, idx.reshape(lead + (-1,)), x.reshape(lead + (-1,)), axis=-1)
    return out.reshape(lead + tuple(plane))


def adaptive_avg_weights(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) matrix averaging each adaptive window."""
    start, end = adaptive_windows(size, out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def contract_axis(y: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    """``y`` with ``axis`` (length w.shape[1]) replaced by ``w @`` that axis."""
    if axis == y.ndim - 1:
        return y @ w.T
    return np.moveaxis(np.moveaxis(y, axis, -1) @ w.T, -1, axis)
