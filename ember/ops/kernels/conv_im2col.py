"""Array kernels of convolution: im2col through a strided view, one GEMM per chunk of images, col2im.

Shapes: input ``(N, C, *S)``, weight ``(O, C // groups, *K)``, output ``(N, O, *Out)``; ``pads`` holds one
``(lo, hi)`` pair per spatial dim (a negative value crops). Three kernels give every gradient:

* ``conv_forward(x, w)``: the convolution;
* ``conv_input_grad(g, w)``: its gradient w.r.t. the input, which is also the transposed convolution;
* ``conv_weight_grad(x, g)``: its gradient w.r.t. the weight.

Two layouts of the column matrix; both copy a chunk of images into a zeroed, padded buffer and the columns out of
it in one call from a strided view, so that they stay in cache for the chunk's GEMM:

* channels-last (one group; several input channels, or few output channels), in ``conv_nhwc``: the buffer
  is ``(m, *Sp, C)`` and the columns ``(m * L, K * C)``, one row per output position (or per block of positions);
  the forward GEMM is ``cols @ w`` and the weight gradient ``cols.T @ g``.
* channel-major (grouped, or few input and many output channels): the buffer is ``(m, C, *Sp)`` and the columns
  ``(C * K, m * L)``. With unit strides the output grid is widened to the padded row length: a run of output rows
  is then one contiguous stretch of the buffer, so copies move long runs instead of ``Wo``-sized pieces, for a
  few wasted GEMM columns that are dropped afterwards (their gradient is zero, so they add nothing).

Geometry (shapes, strides, chunking, gathers) depends only on the shapes and is cached, and the work arrays are
reused (``_scratch``), so that a batch of one image costs little more than its GEMM.
"""
from __future__ import annotations

from functools import lru_cache
from math import prod

import numpy as np

from .conv_common import _bounds, _contiguous_strides, _copy_slices, _scratch, out_size
from .conv_nhwc import _block, _channels_last, _conv_forward_cl, _conv_weight_grad_cl, _taps
from .threads import _over_blocks, single_threaded_blas

# Channel-major columns: bytes of one chunk's column matrix (small enough to stay in cache, large enough for an
# efficient GEMM). col2im adds once per kernel offset and chunk, so it takes larger chunks to keep that loop short.
_CHUNK_BYTES = 1 << 20
_COL2IM_CHUNK_BYTES = 4 << 20
# Largest column matrix (elements) of a flipped-kernel input gradient taken whatever its channels: below it, the
# Python loop of col2im costs more.
_FLIP_MAX_VOLUME = 1 << 18
# A batch is split in two halves run on two threads from this many images and multiply-adds, when BLAS runs on
# one thread: each half's im2col copies and GEMMs then overlap the other's.
_PARALLEL_MIN_IMAGES = 2
_PARALLEL_MIN_WORK = 1 << 26
# ... and output positions per image: below it (CIFAR-quick's 8x8 conv3) the halves' hand-offs cost more than they
# save
_PARALLEL_MIN_POSITIONS = 256
# Columns of a forward GEMM (images x grid positions) few enough for the weight to be read as it lies (``few_columns``)
_FEW_COLUMNS = 32


class _Geometry:
    """Where the channel-major column matrix of one convolution lives: padded extent, output grid, chunking."""

    def __init__(self, n: int, c: int, kernel: tuple, stride: tuple, dilation: tuple, out: tuple, extent: tuple,
                 itemsize: int, budget: int) -> None:
        self.kernel, self.out = kernel, out
        # Widen the grid to the padded row length when rows merge into one run (unit strides in the last 2 dims),
        # unless the GEMM has few columns: reading the weight then costs most, and wasted columns add to it.
        self.wide = (len(out) >= 2 and stride[-1] == 1 and stride[-2] == 1 and extent[-1] > out[-1]
                     and n * prod(out) > _FEW_COLUMNS)
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


def check_dtype(x: np.ndarray) -> None:
    """PyTorch's error for a bool input (no kernel exists for it)."""
    if x.dtype == np.bool_:
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")


def _split(n: int, rows: int, o: int, out: tuple) -> bool:
    """Whether to run the batch in two halves on two threads: when it has the images, each image the output
    positions and the GEMM the multiply-adds (``rows x o`` per position) for the hand-off to pay, and BLAS runs on
    one thread. With more BLAS threads, both halves' BLAS threads would fight for the cores; and setting OpenBLAS to
    one thread for the halves and back costs more than the halves save (measured: its threads wake and spin)."""
    positions = prod(out)
    return (n >= _PARALLEL_MIN_IMAGES and positions >= _PARALLEL_MIN_POSITIONS
            and n * rows * o * positions >= _PARALLEL_MIN_WORK and single_threaded_blas())


def _halves_into(out: np.ndarray, n: int, fill) -> np.ndarray:
    """``out`` filled by ``fill(sl, out[sl])`` for the two halves of the batch, on two threads."""
    _over_blocks(lambda i, sl: fill(sl, out[sl]), n, 2)
    return out


def few_columns(x: np.ndarray, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> bool:
    """Whether the forward GEMM of ``x`` has so few columns (output positions of all images, at most
    ``_FEW_COLUMNS``) that reading the weight is its main cost: the channel-major columns then take the weight as it
    lies, ``(O, C * K)``, where the channels-last taps or the compiled kernel's packing would first copy it. Measured
    on ResNet-18's layers at batch 1: 512 x 512 x 4 x 4, 4.4 ms compiled -> 1.2; 512 x 256 x 8 x 8 with stride 2,
    1.9 -> 0.5."""
    return x.shape[0] * prod(out_size(x.shape[2:], tuple(kernel), stride, pads, dilation)) <= _FEW_COLUMNS


def conv_forward(x, w, bias, stride, pads, dilation, groups, out=None):
    """``y[n, o, p] = sum_c,k w[o, c, k] * x_padded[n, c, stride * p + dilation * k] (+ bias[o])``, into ``out``
    when given (then never split again)."""
    n = x.shape[0]
    kernel = tuple(w.shape[2:])
    osize = out_size(x.shape[2:], kernel, stride, pads, dilation)
    if out is None and _split(n, w.shape[1] * prod(kernel), w.shape[0], osize):
        return _halves_into(np.empty((n, w.shape[0]) + osize, np.result_type(x, w)), n,
                            lambda sl, part: conv_forward(x[sl], w, bias, stride, pads, dilation, groups, part))
    if _channels_last(x, groups, w.shape[0], stride, dilation) and not few_columns(x, kernel, stride, pads, dilation):
        block = _block(w.shape[0], kernel, osize, x.shape[0], stride, dilation)
        return _conv_forward_cl(x, _taps(w), kernel, bias, stride, pads, dilation, block, out)
    o, cg = w.shape[:2]
    geo, src, dst = _input_geometry(x.shape, x.itemsize, kernel, stride, pads, dilation)
    if out is None:
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


def conv_weight_grad(x, g, w_shape, stride, pads, dilation, groups, split=True):
    """Gradient of ``conv_forward`` w.r.t. its weight: ``sum_n,p g[n, o, p] * cols[c, k, n, p]``."""
    w_shape = tuple(w_shape)
    n = x.shape[0]
    if split and _split(n, prod(w_shape[1:]), w_shape[0], g.shape[2:]):
        halves = [None, None]

        def half(i, sl):
            halves[i] = conv_weight_grad(x[sl], g[sl], w_shape, stride, pads, dilation, groups, False)
        _over_blocks(half, n, 2)
        return np.add(*halves, out=halves[0])  # always first + second: the same bits every run
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


def conv_input_grad(g, w, size, stride, pads, dilation, groups, out=None):
    """Gradient of ``conv_forward`` w.r.t. an input of spatial ``size``; also the transposed convolution.

    Two ways, picking the faster (``_flip_is_faster``): with unit strides, a convolution of the zero-padded
    gradient with the flipped, transposed kernel; otherwise one GEMM to the input's columns and col2im, adding the
    (strided) slice of each kernel offset.
    """
    n, o = g.shape[:2]
    cg = w.shape[1]
    c = cg * groups
    kernel = tuple(w.shape[2:])
    size = tuple(size)
    gx = out
    if gx is None and _split(n, cg * prod(kernel), o, g.shape[2:]):
        return _halves_into(np.empty((n, c) + size, np.result_type(g, w)), n,
                            lambda sl, part: conv_input_grad(g[sl], w, size, stride, pads, dilation, groups, part))
    out = tuple(g.shape[2:])
    if all(s == 1 for s in stride) and _flip_is_faster(g, c, kernel, size, groups):
        gpads = tuple((d * (k - 1) - lo, s - p + lo) for k, d, (lo, _), s, p in zip(kernel, dilation, pads, size, out))
        if _channels_last(g, groups, c, stride, dilation):
            # the flipped, transposed taps straight from w: one copy, not two
            block = _block(c, kernel, size, n, stride, dilation)
            taps = w.reshape(o, c, -1)[:, :, ::-1].transpose(2, 0, 1)
            return _conv_forward_cl(g, taps, kernel, None, stride, gpads, dilation, block, gx)
        return conv_forward(g, flip_transpose(w, groups), None, stride, gpads, dilation, groups, gx)
    geo = _col2im_geometry(n, c, kernel, stride, pads, dilation, out, size, g.itemsize)
    wmat = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    if gx is None:
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

