"""Array kernels of convolution: im2col through a strided view, one GEMM per chunk of images, col2im.

Shapes: input ``(N, C, *S)``, weight ``(O, C // groups, *K)``, output ``(N, O, *Out)``; ``pads`` holds one
``(lo, hi)`` pair per spatial dim (a negative value crops). Three kernels give every gradient:

* ``conv_forward(x, w)``: the convolution;
* ``conv_input_grad(g, w)``: its gradient w.r.t. the input, which is also the transposed convolution;
* ``conv_weight_grad(x, g)``: its gradient w.r.t. the weight.

Layout: the images of a chunk are padded into a zeroed buffer ``(m, C, *Sp)``, and the column matrix
``(C * prod(K), m * L)`` is copied out of it in one call from an ``as_strided`` view. With unit strides the output
grid is widened to the padded row length: a run of output rows is then one contiguous stretch of the buffer, so
copies move long runs instead of ``Wo``-sized pieces, for a few wasted GEMM columns that are dropped afterwards
(their gradient is zero, so they add nothing). A chunk holds a few images, so that its column matrix stays in
cache; each chunk is one GEMM.
"""
from __future__ import annotations

from math import prod

import numpy as np
from numpy.lib.stride_tricks import as_strided

# Bytes of one chunk's column matrix: small enough to stay in cache, large enough for an efficient GEMM. col2im
# adds once per kernel offset and chunk, so it takes larger chunks to keep that loop short.
_CHUNK_BYTES = 1 << 20
_COL2IM_CHUNK_BYTES = 4 << 20


def out_size(size: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> tuple:
    """Output spatial size of a convolution (<= 0 when the kernel does not fit)."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(size, kernel, stride, pads, dilation))


class _Geometry:
    """Where the column matrix of one convolution lives: padded extent, output grid, chunking."""

    def __init__(self, n: int, c: int, kernel: tuple, stride: tuple, dilation: tuple, out: tuple, extent: tuple,
                 itemsize: int, budget: int | None = None) -> None:
        self.kernel, self.stride, self.dilation, self.out, self.extent = kernel, stride, dilation, out, extent
        # Widen the grid to the padded row length when rows merge into one run (unit strides in the last 2 dims).
        self.wide = len(out) >= 2 and stride[-1] == 1 and stride[-2] == 1 and extent[-1] > out[-1]
        self.grid = out[:-1] + (extent[-1],) if self.wide else out
        self.L = prod(self.grid)
        self.tail = (kernel[-1] - 1) * dilation[-1] if self.wide else 0
        self.rows = c * prod(kernel)
        budget = _CHUNK_BYTES if budget is None else budget
        self.chunk = max(1, min(n, budget // max(1, self.rows * self.L * itemsize)))
        self.crop_grid = (Ellipsis, slice(0, out[-1])) if self.wide else (Ellipsis,)

    def buffer(self, c: int, dtype) -> tuple:
        """Zeroed ``(chunk, c, *extent)`` array, and the flat memory holding it and the tail the wide grid uses."""
        numel = self.chunk * c * prod(self.extent)
        flat = np.zeros(numel + self.tail, dtype)
        return flat[:numel].reshape((self.chunk, c) + self.extent), flat

    def windows(self, buf: np.ndarray, m: int) -> np.ndarray:
        """View ``(C, *K, m, *grid)`` of the first m images of ``buf``: element [c, k, n, p] is the input
        pixel that kernel offset k meets at output position p."""
        sp = buf.strides[2:]
        strides = ((buf.strides[1],) + tuple(s * d for s, d in zip(sp, self.dilation)) + (buf.strides[0],)
                   + tuple(s * st for s, st in zip(sp, self.stride)))
        if self.wide:  # the widened last axis walks element by element, on across row ends
            strides = strides[:-1] + (buf.itemsize,)
        shape = (buf.shape[1],) + self.kernel + (m,) + self.grid
        return as_strided(buf, shape, strides, writeable=False)

    def grad_rows(self, g: np.ndarray, n0: int, m: int, buf) -> np.ndarray:
        """Chunk of the output gradient as ``(O, m*L)`` on the grid, zero on the widened columns."""
        o = g.shape[1]
        if self.wide:
            buf[:, :m][self.crop_grid] = g[n0:n0 + m].swapaxes(0, 1)
            return buf[:, :m].reshape(o, m * self.L)
        return np.ascontiguousarray(g[n0:n0 + m].swapaxes(0, 1)).reshape(o, m * self.L)

    def grad_buffer(self, o: int, dtype):
        return np.zeros((o, self.chunk) + self.grid, dtype) if self.wide else None


def _input_geometry(x: np.ndarray, kernel, stride, pads, dilation) -> tuple:
    """Geometry of the columns of input ``x``, and the slices copying it into the padded buffer."""
    n, c, *size = x.shape
    size = tuple(size)
    extent = tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))
    out = out_size(size, kernel, stride, pads, dilation)
    geo = _Geometry(n, c, kernel, stride, dilation, out, extent, x.itemsize)
    src = tuple(slice(max(0, -lo), s - max(0, -hi)) for s, (lo, hi) in zip(size, pads))
    dst = tuple(slice(max(0, lo), max(0, lo) + sl.stop - sl.start) for sl, (lo, _) in zip(src, pads))
    return geo, (slice(None), slice(None)) + src, (slice(None), slice(None)) + dst


def _columns(x: np.ndarray, geo: _Geometry, src: tuple, dst: tuple):
    """Yield ``(n0, m, cols)`` per chunk, cols ``(C*prod(K), m*L)`` (a view into one reused buffer)."""
    n, c = x.shape[:2]
    buf, _ = geo.buffer(c, x.dtype)
    cols = np.empty((geo.rows, geo.chunk, geo.L), x.dtype)
    for n0 in range(0, n, geo.chunk):
        m = min(geo.chunk, n - n0)
        buf[:m][dst] = x[n0:n0 + m][src]
        view = geo.windows(buf, m)
        block = cols[:, :m]
        np.copyto(block.reshape(view.shape), view)
        yield n0, m, block.reshape(geo.rows, m * geo.L)


def _check_dtype(x: np.ndarray) -> None:
    if x.dtype == np.bool_:
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")


def conv_forward(x, w, bias, stride, pads, dilation, groups):
    """``y[n, o, p] = sum_c,k w[o, c, k] * x_padded[n, c, stride * p + dilation * k] (+ bias[o])``."""
    _check_dtype(x)
    n = x.shape[0]
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    geo, src, dst = _input_geometry(x, kernel, stride, pads, dilation)
    out = np.empty((n, o) + geo.out, np.result_type(x, w))
    wmat = w.reshape(groups, o // groups, cg * prod(kernel))
    b = None if bias is None else bias.reshape((1, o) + (1,) * len(kernel))
    for n0, m, cols in _columns(x, geo, src, dst):
        if groups == 1:
            y = wmat[0] @ cols
        else:
            y = np.matmul(wmat, cols.reshape(groups, -1, m * geo.L))
        y = y.reshape((o, m) + geo.grid)[geo.crop_grid].swapaxes(0, 1)
        if b is None:
            out[n0:n0 + m] = y
        else:
            np.add(y, b, out=out[n0:n0 + m])
    return out


def conv_weight_grad(x, g, w_shape, stride, pads, dilation, groups):
    """Gradient of ``conv_forward`` w.r.t. its weight: ``sum_n,p g[n, o, p] * cols[c, k, n, p]``."""
    _check_dtype(x)
    o, cg = w_shape[:2]
    geo, src, dst = _input_geometry(x, tuple(w_shape[2:]), stride, pads, dilation)
    gw = np.zeros((groups, o // groups, cg * prod(w_shape[2:])), np.result_type(x, g))
    buf = geo.grad_buffer(o, g.dtype)
    for n0, m, cols in _columns(x, geo, src, dst):
        gt = geo.grad_rows(g, n0, m, buf)
        if groups == 1:
            gw[0] += gt @ cols.T
        else:
            gw += np.matmul(gt.reshape(groups, o // groups, -1), cols.reshape(groups, -1, m * geo.L).swapaxes(1, 2))
    return gw.reshape(w_shape)


def flip_transpose(w, groups: int):
    """The kernel of the transposed direction: ``(O, C/g, *K) -> (C, O/g, *K)``, spatially reversed."""
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    wt = w.reshape((groups, o // groups, cg) + kernel).swapaxes(1, 2)
    wt = wt[(Ellipsis,) + (slice(None, None, -1),) * len(kernel)]
    return np.ascontiguousarray(wt).reshape((groups * cg, o // groups) + kernel)


def conv_input_grad(g, w, size, stride, pads, dilation, groups):
    """Gradient of ``conv_forward`` w.r.t. an input of spatial ``size``; also the transposed convolution.

    Two ways, picking the smaller column matrix: with unit strides and no more output than input channels, a
    convolution of the zero-padded gradient with the flipped, transposed kernel; otherwise one GEMM to the input's
    columns and col2im, adding the (strided) slice of each kernel offset.
    """
    _check_dtype(g)
    n, o = g.shape[:2]
    cg = w.shape[1]
    c = cg * groups
    kernel = w.shape[2:]
    out = g.shape[2:]
    size = tuple(size)
    if all(s == 1 for s in stride) and o <= c:
        gpads = tuple((d * (k - 1) - lo, s - p + lo) for k, d, (lo, _), s, p in zip(kernel, dilation, pads, size, out))
        return conv_forward(g, flip_transpose(w, groups), None, stride, gpads, dilation, groups)
    extent = tuple(max(lo + s, (p - 1) * st + d * (k - 1) + 1)
                   for (lo, _), s, p, st, d, k in zip(pads, size, out, stride, dilation, kernel))
    geo = _Geometry(n, c, kernel, stride, dilation, out, extent, g.itemsize, _COL2IM_CHUNK_BYTES)
    wmat = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    gx = np.empty((n, c) + size, np.result_type(g, w))
    acc, flat = geo.buffer(c, gx.dtype)
    gbuf = geo.grad_buffer(o, g.dtype)
    crop = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, size))
    offsets = list(np.ndindex(*kernel))
    for n0 in range(0, n, geo.chunk):
        m = min(geo.chunk, n - n0)
        gt = geo.grad_rows(g, n0, m, gbuf)
        if groups == 1:
            cols = wmat[0] @ gt
        else:
            cols = np.matmul(wmat, gt.reshape(groups, o // groups, -1))
        cols = cols.reshape((c,) + kernel + (m,) + geo.grid)
        flat.fill(0)
        for k in offsets:
            block = cols[(slice(None),) + k].swapaxes(0, 1)
            if geo.wide:
                # a kernel offset's widened run starts at its flat offset and may run on into the next image's
                # memory (or the tail): the extra columns are zero, so they add nothing there
                start = sum(i * d * st for i, d, st in zip(k, dilation, acc.strides[2:])) // acc.itemsize
                lead = tuple(sp * st for sp, st in zip(acc.strides[2:-2], stride))
                shape = (m, c) + geo.grid[:-2] + (geo.grid[-2] * geo.grid[-1],)
                run = as_strided(flat[start:], shape, acc.strides[:2] + lead + (acc.itemsize,))
                run += block.reshape(shape)
            else:
                dst = tuple(slice(i * d, i * d + (p - 1) * st + 1, st) for i, d, p, st in zip(k, dilation, out, stride))
                acc[(slice(0, m), slice(None)) + dst] += block
        gx[n0:n0 + m] = acc[:m][crop]
    return gx


def unfold(x, kernel, stride, pads, dilation):
    """im2col of ``F.unfold``: ``(N, C, *S) -> (N, C * prod(K), L)``, rows ordered (c, *k), columns the blocks."""
    n, c, *size = x.shape
    out = out_size(tuple(size), kernel, stride, pads, dilation)
    xp = np.zeros((n, c) + tuple(s + lo + hi for s, (lo, hi) in zip(size, pads)), x.dtype)
    xp[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, pads))] = x
    sp = xp.strides[2:]
    view = as_strided(xp, (n, c) + kernel + out, xp.strides[:2] + tuple(s * d for s, d in zip(sp, dilation))
                      + tuple(s * st for s, st in zip(sp, stride)), writeable=False)
    return view.reshape(n, c * prod(kernel), prod(out))


def fold(cols, size, kernel, stride, pads, dilation):
    """col2im of ``F.fold``: sums each column block back onto its place in ``(N, C, *size)``."""
    n = cols.shape[0]
    c = cols.shape[1] // prod(kernel)
    out = out_size(tuple(size), kernel, stride, pads, dilation)
    cols = cols.reshape((n, c) + kernel + out)
    acc = np.zeros((n, c) + tuple(s + lo + hi for s, (lo, hi) in zip(size, pads)), cols.dtype)
    for k in np.ndindex(*kernel):
        dst = tuple(slice(i * d, i * d + (p - 1) * st + 1, st) for i, d, p, st in zip(k, dilation, out, stride))
        acc[(Ellipsis,) + dst] += cols[(slice(None), slice(None)) + k]
    return np.ascontiguousarray(acc[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, pads))])
