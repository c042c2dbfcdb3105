"""Channels-last column matrices of convolution (see ``conv_im2col`` for when they are used).

The padded chunk of images is copied as ``(m, *Sp, C)`` and the columns are ``(m * L, K * C)``, one row per output
position (or per block of positions, see ``_ChannelsLast``): a row's values for one kernel row are one contiguous
run of ``kW * C``. The forward GEMM ``cols @ w`` gives the output channels-last, transposed into NCHW once, and the
weight gradient is ``cols.T @ g``: the orientations BLAS runs fastest here.
"""
from __future__ import annotations

from functools import lru_cache
from math import prod

import numpy as np

from .conv_common import _bounds, _contiguous_strides, _copy_slices, _scratch, out_size

# Channels-last columns (all measured on the seed networks' layers): the rows one GEMM wants and the most bytes of
# one chunk's columns; the fewest input channels for which they beat the channel-major ones; the fewest GEMM
# columns (block * O) worth having; and below which O, from how many output positions on, blocks of two pay.
_CL_ROWS = 512
_CL_BYTES = 2 << 20
_CL_MIN_CHANNELS = 4
_CL_MIN_GEMM_COLS = 24
_CL_PAIR_BELOW = 64
_CL_PAIR_ROWS = 4096
# from how many (input, output) channel pairs on the weight is transposed in two passes (see ``_taps``); and the
# fewest input channels for which the weight gradient of one chunk is best ``g @ cols`` (then a per-channel swap)
_TWO_PASS_TAPS = 512
_WGRAD_ROWS_MIN_CHANNELS = 16


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
    """``(O, C, *K)`` weight as ``(prod(K), C, O)`` taps: the order of the channels-last columns.

    A view when small; else copied in two passes, a 2-d transpose to ``(C, K, O)`` and a swap of whole ``O`` runs,
    which is faster than NumPy's one strided 3-d copy.
    """
    o, c = w.shape[:2]
    if c * o < _TWO_PASS_TAPS:
        return w.reshape(o, c, -1).transpose(2, 1, 0)
    ck = np.ascontiguousarray(w.reshape(o, -1).T)
    return np.ascontiguousarray(ck.reshape(c, -1, o).swapaxes(0, 1))


def _conv_forward_cl(x, taps, kernel, bias, stride, pads, dilation, block, out=None):
    o = taps.shape[2]
    nd = len(kernel)
    cl = _channels_last_geometry(x.shape, x.itemsize, kernel, stride, pads, dilation, o, block)
    wt = cl.weight(taps)
    dtype = np.result_type(x, taps)
    if out is None:
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
    n = x.shape[0]
    if block == 1 and n == cl.chunk and cl.c >= _WGRAD_ROWS_MIN_CHANNELS:
        # one chunk: (O, K) = g-rows @ cols, g as (O, n * L) straight from NCHW (a view when n == 1), and the
        # (O, *K, C) result swapped per output channel: faster than cols.T @ g and a 3-d transpose (measured)
        for _, _, cols in cl.chunks(x):
            rows = g.reshape(n, o, -1).swapaxes(0, 1).reshape(o, -1)
            gw = np.matmul(rows, cols).reshape(o, -1, cl.c)
        return np.ascontiguousarray(gw.swapaxes(1, 2)).reshape(w_shape)
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
