"""Array kernels of convolution: im2col through a strided view, one GEMM per chunk of images, col2im.

Shapes: input ``(N, C, *S)``, weight ``(O, C // groups, *K)``, output ``(N, O, *Out)``; ``pads`` holds one
``(lo, hi)`` pair per spatial dim (a negative value crops). Three kernels give every gradient:

* ``conv_forward(x, w)``: the convolution;
* ``conv_input_grad(g, w)``: its gradient w.r.t. the input, which is also the transposed convolution;
* ``conv_weight_grad(x, g)``: its gradient w.r.t. the weight.

Two layouts of the column matrix; both copy a chunk of images into a zeroed, padded buffer and the columns out of
it in one call from a strided view, so that they stay in cache for the chunk's GEMM:

* channels-last (one group; several input channels, or few output channels): the buffer is ``(m, *Sp, C)`` and
  the columns ``(m * L, K * C)``, one row per output position (or per block of positions, see ``_ChannelsLast``);
  a row's values for one kernel row are one contiguous run of ``kW * C``. The forward GEMM ``cols @ w`` gives the
  output channels-last, transposed into NCHW once (a copy of the output's size, small next to the columns), and
  the weight gradient is ``cols.T @ g``: the orientations BLAS runs fastest here.
* channel-major (grouped, or few input and many output channels): the buffer is ``(m, C, *Sp)`` and the columns
  ``(C * K, m * L)``. With unit strides the output grid is widened to the padded row length: a run of output rows
  is then one contiguous stretch of the buffer, so copies move long runs instead of ``Wo``-sized pieces, for a
  few wasted GEMM columns that are dropped afterwards (their gradient is zero, so they add nothing).

Geometry (shapes, strides, chunking, gathers) depends only on the shapes and is cached, and the work arrays are
reused (``_scratch``), so that a batch of one image costs little more than its GEMM.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from math import prod

import numpy as np

# Channel-major columns: bytes of one chunk's column matrix (small enough to stay in cache, large enough for an
# efficient GEMM). col2im adds once per kernel offset and chunk, so it takes larger chunks to keep that loop short.
_CHUNK_BYTES = 1 << 20
_COL2IM_CHUNK_BYTES = 4 << 20
# Channels-last columns (all measured on the seed networks' layers): the rows one GEMM wants and the most bytes of
# one chunk's columns; the fewest input channels for which they beat the channel-major ones; the fewest GEMM
# columns (block * O) worth having; and below which O, from how many output positions on, blocks of two pay.
_CL_ROWS = 512
_CL_BYTES = 2 << 20
_CL_MIN_CHANNELS = 4
_CL_MIN_GEMM_COLS = 24
_CL_PAIR_BELOW = 64
_CL_PAIR_ROWS = 4096
# Largest column matrix (elements) of a flipped-kernel input gradient taken whatever its channels: below it, the
# Python loop of col2im costs more.
_FLIP_MAX_VOLUME = 1 << 18
# Work arrays (padded buffers, columns, GEMM outputs) are kept per thread and reused by the next call of the same
# shape: allocating them afresh costs a page fault per 4 KiB once the allocator has given the memory back, as
# much as the copy into them. Arrays above the first limit are not kept; the oldest go beyond the second.
_SCRATCH_MAX_BYTES = 16 << 20
_SCRATCH_TOTAL_BYTES = 64 << 20
_scratch_local = threading.local()


def _scratch(tag: str, shape: tuple, dtype, zeroed: bool = False, written=None) -> np.ndarray:
    """A work array of ``shape`` for the purpose ``tag``, reused across calls.

    A zeroed one is zero when made, and stays zero wherever its users never write (padding, widened columns):
    ``written`` (hashable) names the part they do write, so that a same-shaped array written elsewhere is another.
    """
    arrays = getattr(_scratch_local, "arrays", None)
    if arrays is None:
        arrays = _scratch_local.arrays = {}
    key = (tag, shape, np.dtype(dtype), written)
    a = arrays.pop(key, None)
    if a is None:
        a = np.zeros(shape, dtype) if zeroed else np.empty(shape, dtype)
        if a.nbytes > _SCRATCH_MAX_BYTES:
            return a
        total = a.nbytes + sum(v.nbytes for v in arrays.values())
        while arrays and total > _SCRATCH_TOTAL_BYTES:
            total -= arrays.pop(next(iter(arrays))).nbytes
    arrays[key] = a  # most recently used last
    return a


def out_size(size: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> tuple:
    """Output spatial size of a convolution (<= 0 when the kernel does not fit)."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(size, kernel, stride, pads, dilation))


def _copy_slices(size: tuple, pads: tuple) -> tuple:
    """Spatial slices copying an input of ``size`` into its padded buffer: (source, destination)."""
    src = tuple(slice(max(0, -lo), s - max(0, -hi)) for s, (lo, hi) in zip(size, pads))
    dst = tuple(slice(max(0, lo), max(0, lo) + sl.stop - sl.start) for sl, (lo, _) in zip(src, pads))
    return src, dst


def _bounds(slices: tuple) -> tuple:
    """A hashable form of spatial slices (the part of a padded buffer that gets written)."""
    return tuple((sl.start, sl.stop) for sl in slices)


def _contiguous_strides(shape: tuple, itemsize: int) -> tuple:
    strides, step = [], itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


class _Geometry:
    """Where the channel-major column matrix of one convolution lives: padded extent, output grid, chunking."""

    def __init__(self, n: int, c: int, kernel: tuple, stride: tuple, dilation: tuple, out: tuple, extent: tuple,
                 itemsize: int, budget: int) -> None:
        self.kernel, self.out = kernel, out
        # Widen the grid to the padded row length when rows merge into one run (unit strides in the last 2 dims).
        self.wide = len(out) >= 2 and stride[-1] == 1 and stride[-2] == 1 and extent[-1] > out[-1]
        self.grid = out[:-1] + (extent[-1],) if self.wide else out
        self.L = prod(self.grid)
        self.tail = (kernel[-1] - 1) * dilation[-1] if self.wide else 0
        self.rows = c * prod(kernel)
        self.chunk = max(1, min(n, budget // max(1, self.rows * self.L * itemsize)))
        self.crop_grid = (Ellipsis, slice(0, out[-1])) if self.wide else (Ellipsis,)
        self.buf_shape = (self.chunk, c) + extent
        bs = _contiguous_strides(self.buf_shape, itemsize)
        # the (C, *K, chunk, *grid) windows of the buffer; the widened last axis walks on across row ends
        self.view_shape = (c,) + kernel + (self.chunk,) + self.grid
        grid_strides = tuple(s * st for s, st in zip(bs[2:], stride))
        if self.wide:
            grid_strides = grid_strides[:-1] + (itemsize,)
        self.view_strides = (bs[1],) + tuple(s * d for s, d in zip(bs[2:], dilation)) + (bs[0],) + grid_strides

    def buffer(self, dtype, tag: str, written=None) -> tuple:
        """Zeroed ``(chunk, c, *extent)`` array, and the flat memory holding it and the tail the wide grid uses."""
        numel = prod(self.buf_shape)
        flat = _scratch(tag, (numel + self.tail,), dtype, True, (self.buf_shape, written))
        return flat[:numel].reshape(self.buf_shape), flat

    def windows(self, flat: np.ndarray) -> np.ndarray:
        """View ``(C, *K, chunk, *grid)`` of the buffer held by ``flat``: element [c, k, n, p] is the input pixel
        that kernel offset k meets at output position p."""
        return np.ndarray(self.view_shape, flat.dtype, flat, 0, self.view_strides)

    def grad_rows(self, g: np.ndarray, n0: int, m: int, buf) -> np.ndarray:
        """Chunk of the output gradient as ``(O, m*L)`` on the grid, zero on the widened columns."""
        o = g.shape[1]
        if self.wide:
            buf[:, :m][self.crop_grid] = g[n0:n0 + m].swapaxes(0, 1)
            return buf[:, :m].reshape(o, m * self.L)
        return np.ascontiguousarray(g[n0:n0 + m].swapaxes(0, 1)).reshape(o, m * self.L)

    def grad_buffer(self, o: int, dtype):
        if not self.wide:
            return None
        return _scratch("grad-grid", (o, self.chunk) + self.grid, dtype, True, self.out)


@lru_cache(maxsize=256)
def _input_geometry(shape: tuple, itemsize: int, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> tuple:
    """Channel-major geometry of the columns of an input of ``shape``, and the slices copying it into the buffer."""
    n, c, *size = shape
    size = tuple(size)
    extent = tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))
    out = out_size(size, kernel, stride, pads, dilation)
    geo = _Geometry(n, c, kernel, stride, dilation, out, extent, itemsize, _CHUNK_BYTES)
    src, dst = _copy_slices(size, pads)
    return geo, (slice(None), slice(None)) + src, (slice(None), slice(None)) + dst


@lru_cache(maxsize=256)
def _col2im_geometry(n: int, c: int, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple, out: tuple,
                     size: tuple, itemsize: int) -> _Geometry:
    """Channel-major geometry of the columns an output gradient of spatial size ``out`` makes for col2im."""
    extent = tuple(max(lo + s, (p - 1) * st + d * (k - 1) + 1)
                   for (lo, _), s, p, st, d, k in zip(pads, size, out, stride, dilation, kernel))
    return _Geometry(n, c, kernel, stride, dilation, out, extent, itemsize, _COL2IM_CHUNK_BYTES)


def _columns(x: np.ndarray, geo: _Geometry, src: tuple, dst: tuple):
    """Yield ``(n0, m, cols)`` per chunk, cols ``(C*prod(K), m*L)`` (a view into one reused buffer)."""
    n = x.shape[0]
    buf, flat = geo.buffer(x.dtype, "padded", _bounds(dst[2:]))
    view = geo.windows(flat)
    cols = _scratch("cols", (geo.rows, geo.chunk, geo.L), x.dtype)
    cut = (slice(None),) * (1 + len(geo.kernel))
    for n0 in range(0, n, geo.chunk):
        m = min(geo.chunk, n - n0)
        buf[:m][dst] = x[n0:n0 + m][src]
        block = cols[:, :m]
        np.copyto(block.reshape(view.shape[:-len(geo.grid) - 1] + (m,) + geo.grid), view[cut + (slice(0, m),)])
        yield n0, m, block.reshape(geo.rows, m * geo.L)


class _ChannelsLast:
    """Channels-last geometry of the columns ``(m * L, K)`` of a chunk of m images, one row per output position.

    The padded chunk is copied channels-last, so that a row's values for one kernel row are one run of ``kW * C``
    contiguous values, and no output column is wasted. With few output channels (see ``_block``), a row covers
    ``block`` output positions side by side along the last dim instead (unit stride and dilation there): its run
    then spans the ``kW + block - 1`` input columns they read, and the weight becomes ``(K, block * O)``, zero where
    a kernel tap misses a position. That GEMM has ``block`` times the columns and the column matrix
    ``kW * block / (kW + block - 1)`` times fewer values, for a few multiplications by zero.
    """

    def __init__(self, shape: tuple, itemsize: int, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple,
                 o: int, block: int) -> None:
        n, c, *size = shape
        nd = len(kernel)
        self.kernel, self.block, self.c, self.o = kernel, block, c, o
        self.out = out_size(tuple(size), kernel, stride, pads, dilation)
        # output grid padded to whole blocks along the last dim; the extra positions are computed and dropped
        self.padded_out = self.out[:-1] + (-(-self.out[-1] // block) * block,)
        self.L = prod(self.padded_out) // block
        extent = [s + lo + hi for s, (lo, hi) in zip(size, pads)]
        if block > 1:
            span = block + kernel[-1] - 1
            extent[-1] = max(extent[-1], self.padded_out[-1] + kernel[-1] - 1)
            taps = kernel[:-1] + (span,)
        else:
            taps = kernel
        self.K = prod(taps) * c
        if block > 1:
            self._block_indices(span)
        self.chunk = max(1, min(n, -(-_CL_ROWS // max(1, self.L)), _CL_BYTES // max(1, self.L * self.K * itemsize)))
        src, dst = _copy_slices(tuple(size), pads)
        self.src = (slice(None), slice(None)) + src
        self.dst = dst
        self.to_last = (0,) + tuple(range(2, nd + 2)) + (1,)
        self.to_first = (0, nd + 1) + tuple(range(1, nd + 1))
        self.buf_shape = (self.chunk,) + tuple(extent) + (c,)
        bs = _contiguous_strides(self.buf_shape, itemsize)
        sp = bs[1:-1]
        grid = self.padded_out[:-1] + (self.padded_out[-1] // block,)
        grid_strides = tuple(s * st for s, st in zip(sp, stride))
        grid_strides = grid_strides[:-1] + (grid_strides[-1] * block,)
        tap_strides = tuple(s * d for s, d in zip(sp, dilation))
        self.view_shape = (self.chunk,) + grid + taps + (c,)
        self.view_strides = (bs[0],) + grid_strides + tap_strides + (bs[-1],)

    def chunks(self, x: np.ndarray):
        """Yield ``(n0, m, cols)`` per chunk of ``x`` (cols a view into one reused buffer)."""
        n = x.shape[0]
        buf = _scratch("padded-cl", self.buf_shape, x.dtype, True, _bounds(self.dst))
        view = np.ndarray(self.view_shape, x.dtype, buf, 0, self.view_strides)
        cols = _scratch("cols-cl", self.view_shape, x.dtype)
        if n == self.chunk:  # the whole batch in one chunk: the common case at small batch, without slicing
            buf[(slice(None),) + self.dst] = x[self.src].transpose(self.to_last)
            np.copyto(cols, view)
            yield 0, n, cols.reshape(n * self.L, self.K)
            return
        for n0 in range(0, n, self.chunk):
            m = min(self.chunk, n - n0)
            buf[(slice(0, m),) + self.dst] = x[n0:n0 + m][self.src].transpose(self.to_last)
            np.copyto(cols[:m], view[:m])
            yield n0, m, cols[:m].reshape(m * self.L, self.K)

    def _block_indices(self, span: int) -> None:
        """Gathers between the ``(*K, C, O)`` weight and the blocked ``(*K', span, C, block, O)`` one: position b
        of a block meets kernel column j at input column ``b + j``."""
        lead, kw, c, o, block = prod(self.kernel[:-1]), self.kernel[-1], self.c, self.o, self.block
        l, jj, ci, b, oi = np.ix_(range(lead), range(span), range(c), range(block), range(o))
        j = jj - b
        flat = ((l * kw + j) * c + ci) * o + oi
        # the blocked weight from the flat weight with a zero appended (where the tap misses the position)
        self.expand = np.where((j >= 0) & (j < kw), flat, lead * kw * c * o).reshape(self.K, block * o)
        # each weight's block entries in the flat blocked gradient, summed to give its gradient
        b, l, j, ci, oi = np.ix_(range(block), range(lead), range(kw), range(c), range(o))
        self.fold = ((((l * span + j + b) * c + ci) * block + b) * o + oi).reshape(block, lead * kw, c, o)

    def weight(self, taps: np.ndarray) -> np.ndarray:
        """The weight as ``(prod(K), C, O)`` taps (any strides) to the GEMM's ``(K, block * O)`` right-hand side."""
        if self.block == 1:
            return np.ascontiguousarray(taps).reshape(self.K, self.o)
        return np.concatenate((taps.ravel(), np.zeros(1, taps.dtype)))[self.expand]

    def weight_grad(self, gwb: np.ndarray, w_shape: tuple) -> np.ndarray:
        """The GEMM's ``(K, block * O)`` gradient back to ``(O, C, *K)``: the adjoint of ``weight``."""
        if self.block == 1:
            gw = gwb.reshape(-1, self.c, self.o)
        else:
            gw = gwb.ravel()[self.fold].sum(0)
        return np.ascontiguousarray(gw.transpose(2, 1, 0)).reshape(w_shape)


_channels_last_geometry = lru_cache(maxsize=256)(_ChannelsLast)


def _block(o: int, kernel: tuple, out: tuple, n: int, stride: tuple, dilation: tuple) -> int:
    """Output positions per channels-last GEMM row (measured on the seed networks' layers).

    Enough for ``block * O`` GEMM columns to use BLAS well. With a wide kernel and many output positions, two even
    for a moderate O: BLAS runs N = 64 markedly faster than N = 32 on long GEMMs, and the columns shrink by a
    third, for 20% more multiplications.
    """
    if stride[-1] != 1 or dilation[-1] != 1:
        return 1
    block = 1
    while block * o < _CL_MIN_GEMM_COLS and block < out[-1] and block < 8:
        block *= 2
    if block == 1 and o < _CL_PAIR_BELOW and kernel[-1] >= 5 and out[-1] > 1 and n * prod(out) >= _CL_PAIR_ROWS:
        block = 2
    return block


def _channels_last(x: np.ndarray, groups: int, o: int, stride: tuple, dilation: tuple) -> bool:
    """Whether the channels-last columns beat the channel-major ones: one group, and enough input channels for
    their runs to be long, or so few output channels that only blocks of output positions make a good GEMM."""
    blocks = stride[-1] == 1 and dilation[-1] == 1
    return groups == 1 and (x.shape[1] >= _CL_MIN_CHANNELS or (o < _CL_MIN_GEMM_COLS and blocks))


def _taps(w: np.ndarray) -> np.ndarray:
    """``(O, C, *K)`` weight as a ``(prod(K), C, O)`` view: the order of the channels-last columns."""
    return w.reshape(w.shape[0], w.shape[1], -1).transpose(2, 1, 0)


def _conv_forward_cl(x, taps, kernel, bias, stride, pads, dilation, block):
    o = taps.shape[2]
    nd = len(kernel)
    cl = _channels_last_geometry(x.shape, x.itemsize, kernel, stride, pads, dilation, o, block)
    wt = cl.weight(taps)
    dtype = np.result_type(x, taps)
    out = np.empty((x.shape[0], o) + cl.out, dtype)
    y = _scratch("rows", (cl.chunk * cl.L, block * o), dtype)
    crop = (Ellipsis, slice(0, cl.out[-1]), slice(None))
    b = None if bias is None else bias.reshape((1, o) + (1,) * nd)
    for n0, m, cols in cl.chunks(x):
        ym = np.matmul(cols, wt, out=y[:m * cl.L]).reshape((m,) + cl.padded_out + (o,))
        ym = ym[crop].transpose(cl.to_first)
        if b is None:
            out[n0:n0 + m] = ym
        else:
            np.add(ym, b, out=out[n0:n0 + m])
    return out


def _conv_weight_grad_cl(x, g, w_shape, stride, pads, dilation, block):
    o = w_shape[0]
    nd = len(w_shape) - 2
    cl = _channels_last_geometry(x.shape, x.itemsize, w_shape[2:], stride, pads, dilation, o, block)
    # g channels-last on the padded grid; the padding positions are never written, so stay zero
    gt = _scratch("grad-rows", (cl.chunk,) + cl.padded_out + (o,), g.dtype, True, cl.out)
    crop = (Ellipsis, slice(0, cl.out[-1]), slice(None))
    to_last = (0,) + tuple(range(2, nd + 2)) + (1,)
    gw = part = None
    for n0, m, cols in cl.chunks(x):
        gt[:m][crop] = g[n0:n0 + m].transpose(to_last)
        rows = gt[:m].reshape(m * cl.L, block * o)
        # (K, O) = cols.T @ g-rows: the orientation BLAS runs fastest for these shapes
        if gw is None:
            gw = np.matmul(cols.T, rows)
        else:
            part = np.matmul(cols.T, rows, out=part)
            gw += part
    return cl.weight_grad(gw, w_shape)


def _check_dtype(x: np.ndarray) -> None:
    if x.dtype == np.bool_:
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")


def conv_forward(x, w, bias, stride, pads, dilation, groups):
    """``y[n, o, p] = sum_c,k w[o, c, k] * x_padded[n, c, stride * p + dilation * k] (+ bias[o])``."""
    _check_dtype(x)
    kernel = tuple(w.shape[2:])
    if _channels_last(x, groups, w.shape[0], stride, dilation):
        block = _block(w.shape[0], kernel, out_size(x.shape[2:], kernel, stride, pads, dilation), x.shape[0],
                       stride, dilation)
        return _conv_forward_cl(x, _taps(w), kernel, bias, stride, pads, dilation, block)
    n = x.shape[0]
    o, cg = w.shape[:2]
    geo, src, dst = _input_geometry(x.shape, x.itemsize, kernel, stride, pads, dilation)
    out = np.empty((n, o) + geo.out, np.result_type(x, w))
    wmat = w.reshape(groups, o // groups, cg * prod(kernel))
    b = None if bias is None else bias.reshape((1, o) + (1,) * len(kernel))
    rows = _scratch("rows", (o, geo.chunk * geo.L), out.dtype) if groups == 1 else None
    for n0, m, cols in _columns(x, geo, src, dst):
        if groups == 1:
            y = np.matmul(wmat[0], cols, out=rows[:, :m * geo.L])
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
    w_shape = tuple(w_shape)
    if _channels_last(x, groups, w_shape[0], stride, dilation):
        block = _block(w_shape[0], w_shape[2:], g.shape[2:], g.shape[0], stride, dilation)
        return _conv_weight_grad_cl(x, g, w_shape, stride, pads, dilation, block)
    o, cg = w_shape[:2]
    geo, src, dst = _input_geometry(x.shape, x.itemsize, w_shape[2:], stride, pads, dilation)
    if groups == 1:
        # (C*K, O) = cols @ g-rows, g channels-last on the grid: BLAS's fastest orientation here
        rows = _scratch("grad-rows-cm", (geo.chunk,) + geo.grid + (o,), g.dtype, True, geo.out)
        crop = geo.crop_grid + (slice(None),)
        to_last = (0,) + tuple(range(2, g.ndim)) + (1,)
        gw = part = None
        for n0, m, cols in _columns(x, geo, src, dst):
            rows[:m][crop] = g[n0:n0 + m].transpose(to_last)
            if gw is None:
                gw = np.matmul(cols, rows[:m].reshape(m * geo.L, o))
            else:
                part = np.matmul(cols, rows[:m].reshape(m * geo.L, o), out=part)
                gw += part
        return np.ascontiguousarray(gw.T).reshape(w_shape)
    gw = np.zeros((groups, o // groups, cg * prod(w_shape[2:])), np.result_type(x, g))
    buf = geo.grad_buffer(o, g.dtype)
    for n0, m, cols in _columns(x, geo, src, dst):
        gt = geo.grad_rows(g, n0, m, buf)
        gw += np.matmul(gt.reshape(groups, o // groups, -1), cols.reshape(groups, -1, m * geo.L).swapaxes(1, 2))
    return gw.reshape(w_shape)


def flip_transpose(w, groups: int):
    """The kernel of the transposed direction: ``(O, C/g, *K) -> (C, O/g, *K)``, spatially reversed."""
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    wt = w.reshape((groups, o // groups, cg) + kernel).swapaxes(1, 2)
    wt = wt[(Ellipsis,) + (slice(None, None, -1),) * len(kernel)]
    return np.ascontiguousarray(wt).reshape((groups * cg, o // groups) + kernel)


def _flip_is_faster(g, c: int, kernel: tuple, size: tuple, groups: int) -> bool:
    """Whether the flipped-kernel convolution beats col2im for the input gradient (unit strides; measured).

    Its GEMM has only ``c`` output columns, slow when they are few and its ``O * K`` reduction long; col2im costs
    a Python loop over the kernel offsets, which dominates for a small batch.
    """
    n, o = g.shape[:2]
    return (o <= 4 * c or (c >= 16 and _channels_last(g, groups, c, (1,), (1,)))
            or n * prod(size) * o * prod(kernel) <= _FLIP_MAX_VOLUME)


def conv_input_grad(g, w, size, stride, pads, dilation, groups):
    """Gradient of ``conv_forward`` w.r.t. an input of spatial ``size``; also the transposed convolution.

    Two ways, picking the faster (``_flip_is_faster``): with unit strides, a convolution of the zero-padded
    gradient with the flipped, transposed kernel; otherwise one GEMM to the input's columns and col2im, adding the
    (strided) slice of each kernel offset.
    """
    _check_dtype(g)
    n, o = g.shape[:2]
    cg = w.shape[1]
    c = cg * groups
    kernel = tuple(w.shape[2:])
    out = tuple(g.shape[2:])
    size = tuple(size)
    if all(s == 1 for s in stride) and _flip_is_faster(g, c, kernel, size, groups):
        gpads = tuple((d * (k - 1) - lo, s - p + lo) for k, d, (lo, _), s, p in zip(kernel, dilation, pads, size, out))
        if _channels_last(g, groups, c, stride, dilation):  # the flipped, transposed taps straight from w: one copy, not two
            block = _block(c, kernel, size, n, stride, dilation)
            taps = w.reshape(o, c, -1)[:, :, ::-1].transpose(2, 0, 1)
            return _conv_forward_cl(g, taps, kernel, None, stride, gpads, dilation, block)
        return conv_forward(g, flip_transpose(w, groups), None, stride, gpads, dilation, groups)
    geo = _col2im_geometry(n, c, kernel, stride, pads, dilation, out, size, g.itemsize)
    wmat = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    gx = np.empty((n, c) + size, np.result_type(g, w))
    acc, flat = geo.buffer(gx.dtype, "col2im")
    gbuf = geo.grad_buffer(o, g.dtype)
    work = _scratch("col2im-cols", (c * prod(kernel), geo.chunk * geo.L), gx.dtype) if groups == 1 else None
    crop = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, size))
    offsets = list(np.ndindex(*kernel))
    for n0 in range(0, n, geo.chunk):
        m = min(geo.chunk, n - n0)
        gt = geo.grad_rows(g, n0, m, gbuf)
        if groups == 1:
            cols = np.matmul(wmat[0], gt, out=work[:, :m * geo.L])
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
                run = np.ndarray(shape, flat.dtype, flat, start * flat.itemsize,
                                 acc.strides[:2] + lead + (acc.itemsize,))
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
    view = np.ndarray((n, c) + kernel + out, xp.dtype, xp, 0, xp.strides[:2]
                      + tuple(s * d for s, d in zip(sp, dilation)) + tuple(s * st for s, st in zip(sp, stride)))
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

