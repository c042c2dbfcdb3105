"""An LSTM layer's whole time loop in one direction: the forward keeps every step's gate
activations, the backward runs backpropagation through time and leaves the gates' gradients of all steps in one
array, so the weight gradients become single GEMMs over all steps instead of one small GEMM per step.

Rows follow PyTorch's packed layout: time step ``t`` owns ``batch_sizes[t]`` consecutive rows, the sequences still
running (longest first). The state is held for the whole batch; a step reads and writes its first
``batch_sizes[t]`` rows, which is right in both directions: run forward, a sequence that has ended keeps its last
state in its row; run backward (from the last step), a sequence that starts later finds its initial state there.

With the compiled library, float32 and a batch of a few rows or more, both loops run in C (``csrc/lstm.c``: per
step the hidden product on the thread pool and the elementwise work in one pass), and the GEMMs over all rows (the
input projection before the loop, the input and weight gradients after it) are compiled products on the whole pool.
Otherwise the loops are NumPy's and those GEMMs are done in chunks of time steps on a second thread beside the loop:
the projection of a chunk is ready before the loop reaches it, the gradients of a chunk are computed as soon as the
loop has left it (``threads.beside``; with one thread they run in line).

A NumPy time step is a dozen calls on small arrays, so their number is what costs. Two arrangements cut it (both
loops use them): the
gates are held in the order input, forget, output, cell (PyTorch's is input, forget, cell, output), so the three
sigmoid gates are one block; and ``sigmoid(z) = (tanh(z / 2) + 1) / 2`` with the halving folded into the weights
of the sigmoid gates (exact: a power of two), so one ``tanh`` call activates all four gates.
"""
from __future__ import annotations

import numpy as np

from . import native
from .gemm import compiled_product, padded_columns, wide_product
from .threads import beside

# time steps per chunk of the GEMMs done beside the loop: enough rows for BLAS to run well, few enough waits
_CHUNKS = 6


def _row_blocks(batch_sizes: list, reverse: bool) -> list:
    """``(row slice, rows)`` of each time step in the order the layer runs them."""
    blocks, start = [], 0
    for size in batch_sizes:
        blocks.append((slice(start, start + size), size))
        start += size
    return blocks[::-1] if reverse else blocks


def _chunks(blocks: list) -> list:
    """The time steps cut into about ``_CHUNKS`` runs: ``(rows of the run, its steps)``, in the order given."""
    per = max(1, -(-len(blocks) // _CHUNKS))
    runs = [blocks[k:k + per] for k in range(0, len(blocks), per)]
    return [(slice(min(b[0].start for b in run), max(b[0].stop for b in run)), run) for run in runs]


def _kernel_layout(w: np.ndarray, sigmoid_scale: float = 1.0) -> np.ndarray:
    """``w``'s gate rows (PyTorch's i, f, g, o) in the kernel's order (i, f, o, g), the sigmoid gates' rows times
    ``sigmoid_scale``: one pass over ``w`` (a fancy index, then a product, would be two)."""
    size = w.shape[0] // 4
    out = np.empty_like(w)
    np.multiply(w[:2 * size], sigmoid_scale, out=out[:2 * size])
    np.multiply(w[3 * size:], sigmoid_scale, out=out[2 * size:3 * size])
    out[3 * size:] = w[2 * size:3 * size]
    return out


def _gate_order(size: int) -> np.ndarray:
    """Rows of PyTorch's (i, f, g, o) weights in the kernel's order (i, f, o, g)."""
    return np.r_[0:2 * size, 3 * size:4 * size, 2 * size:3 * size]


def forward(data: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, biases: list, h0: np.ndarray, c0: np.ndarray,
            batch_sizes: list, reverse: bool) -> tuple:
    """The layer over packed ``data`` ``(rows, F)``; ``biases`` the ones present of ``b_ih``, ``b_hh``.

    Returns the outputs ``(rows, H)``, the final ``h`` and ``c`` ``(batch, H)``, and what ``backward`` needs.
    """
    size = h0.shape[1]
    w_ih_t = _kernel_layout(w_ih, 0.5).T
    bias = sum(_kernel_layout(b, 0.5) for b in biases) if biases else None
    gates = np.empty((data.shape[0], 4 * size), dtype=np.result_type(data, w_ih))

    def project(rows: slice) -> None:
        np.matmul(data[rows], w_ih_t, out=gates[rows])
        if bias is not None:
            gates[rows] += bias

    tanh_cells, h_prev, c_prev, out = (np.empty((data.shape[0], size), dtype=gates.dtype) for _ in range(4))
    h, c = h0.copy(), c0.copy()
    hidden = np.empty((h.shape[0], 4 * size), dtype=gates.dtype)
    w_hh_t = _kernel_layout(w_hh, 0.5).T
    if _compiled_loops(gates, h, c, batch_sizes):
        # the compiled products use the whole pool: the projection runs before the loop, in one call
        wide_product(data, padded_columns(w_ih_t), gates, None if bias is None else padded_columns(bias))
        w_hh_t = padded_columns(w_hh_t)
        native.lib.ember_lstm_forward(*map(native.ptr, (gates, w_hh_t)), w_hh_t.shape[1],
                                      *map(native.ptr, (h, c, h_prev, c_prev, tanh_cells, out, hidden,
                                                        np.asarray(batch_sizes, dtype=np.int64))),
                                      len(batch_sizes), reverse, size)
        return out, h, c, (gates, tanh_cells, h_prev, c_prev)
    chunks = _chunks(_row_blocks(batch_sizes, reverse))
    ready = [beside(lambda rows=rows: project(rows)) for rows, _ in chunks]
    if batch_sizes[0] > 1 or len(batch_sizes) > 50:
        # from batch 2, BLAS on the transposed view takes 90-140 us a step, 10-80 us on a copy (which costs 100 us);
        # at batch 1 (a matrix-vector product) the view costs 2 us a step more
        w_hh_t = np.ascontiguousarray(w_hh_t)
    for (_, steps), wait in zip(chunks, ready):
        wait()
        for rows, n in steps:
            h_prev[rows] = h[:n]
            np.matmul(h_prev[rows], w_hh_t, out=hidden[:n])
            _forward_step(gates[rows], hidden[:n], c[:n], c_prev[rows], tanh_cells[rows], out[rows], h[:n])
    return out, h, c, (gates, tanh_cells, h_prev, c_prev)


def _compiled_loops(gates: np.ndarray, h: np.ndarray, c: np.ndarray, batch_sizes: list) -> bool:
    """Whether the compiled time loops (``csrc/lstm.c``) run the layer: float32, and a batch of a few rows or more
    (below, BLAS's matrix-vector products are faster than the compiled kernel's, and packing ``w_hh`` costs more
    than a short loop)."""
    return compiled_product(gates[:batch_sizes[0]], h) and c.dtype == np.float32


def _forward_step(gate, hidden, c, c_prev, tanh_cell, out, h) -> None:
    """One time step's elementwise work on ``n`` rows: activates ``gate`` (plus the hidden path's ``hidden``) in
    place, moves the state ``c`` to the new cell (keeping the old in ``c_prev``), writes ``out`` and ``h``."""
    size = c.shape[1]
    gate += hidden
    np.tanh(gate, out=gate)
    sig = gate[:, :3 * size]
    sig *= 0.5
    sig += 0.5
    c_prev[...] = c
    c *= gate[:, size:2 * size]
    c += gate[:, :size] * gate[:, 3 * size:]
    np.tanh(c, out=tanh_cell)
    np.multiply(gate[:, 2 * size:3 * size], tanh_cell, out=out)
    h[...] = out


def backward(grad_out, grad_h, grad_c, data: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, saved: tuple,
             batch_sizes: list, reverse: bool, need_input: bool, need_weights: bool) -> tuple:
    """Backpropagation through time. Any of the incoming gradients may be None (zero).

    Returns the gradients of the input (or None), of ``w_ih``, ``w_hh`` and the (shared) bias (or Nones), and of
    ``h0`` and ``c0``, the weights' in PyTorch's gate order.
    """
    gates, tanh_cells, h_prev, c_prev = saved
    size = h_prev.shape[1]
    batch = batch_sizes[0]
    grad_out = None if grad_out is None else np.ascontiguousarray(grad_out)
    dh = np.zeros((batch, size), dtype=gates.dtype) if grad_h is None else grad_h.copy()
    dc = np.zeros((batch, size), dtype=gates.dtype) if grad_c is None else grad_c.copy()
    w_ih_p = _kernel_layout(w_ih)
    dgates = np.empty_like(gates)
    d_input = np.empty_like(data) if need_input else None
    if _compiled_loops(gates, dh, dc, batch_sizes):
        w_hh_p = padded_columns(_kernel_layout(w_hh))
        native.lib.ember_lstm_backward(*map(native.ptr, (gates, w_hh_p)), w_hh_p.shape[1],
                                       *map(native.ptr, (tanh_cells, c_prev, grad_out, dh, dc, dgates,
                                                         np.asarray(batch_sizes, dtype=np.int64))),
                                       len(batch_sizes), reverse, size)
        # the products after the loop, each on the whole pool
        if need_input:
            wide_product(dgates, padded_columns(w_ih_p), d_input)
        parts = [_compiled_weight_gradients(dgates, data, h_prev)] if need_weights else []
    else:
        w_hh_p = _kernel_layout(w_hh)

        def gemms(rows: slice):
            d = dgates[rows]
            if need_input:
                np.matmul(d, w_ih_p, out=d_input[rows])
            return (d.T @ data[rows], d.T @ h_prev[rows], d.sum(0)) if need_weights else None

        pending = []
        for rows_of_chunk, steps in reversed(_chunks(_row_blocks(batch_sizes, reverse))):
            for rows, n in reversed(steps):
                _backward_step(gates[rows], tanh_cells[rows], c_prev[rows],
                               None if grad_out is None else grad_out[rows], dh[:n], dc[:n], dgates[rows])
                np.matmul(dgates[rows], w_hh_p, out=dh[:n])
            pending.append(beside(lambda rows=rows_of_chunk: gemms(rows)))
        parts = [wait() for wait in reversed(pending)][::-1]  # the latest first: those the worker has not begun
    weights = (None, None, None)
    if need_weights:
        weights = tuple(np.empty_like(p) for p in parts[0])
        for total, chunk_parts in zip(weights, zip(*parts)):
            total[_gate_order(size)] = sum(chunk_parts[1:], chunk_parts[0])
    return (d_input,) + weights + (dh, dc)


def _compiled_weight_gradients(dgates: np.ndarray, data: np.ndarray, h_prev: np.ndarray) -> tuple:
    """``dgates.T @ data``, ``dgates.T @ h_prev`` and ``dgates.sum(0)``, the products computed transposed
    (``data.T @ dgates``: the kernel reads ``data.T`` in place and wants the wide ``dgates`` as its right side)."""
    padded = padded_columns(dgates)
    products = []
    for x in (data, h_prev):
        product = np.empty((x.shape[1], dgates.shape[1]), dtype=np.float32)
        wide_product(x.T, padded, product)
        products.append(product.T)
    return (*products, dgates.sum(0))


def _backward_step(gate, tanh_cell, c_prev, grad_out, dh, dc, d) -> None:
    """One time step's gates' gradients ``d`` from the hidden state's ``dh`` (plus the output's ``grad_out``, or
    None) and the cell state's ``dc``, which becomes the previous step's."""
    size = dh.shape[1]
    sig, g = gate[:, :3 * size], gate[:, 3 * size:]
    i, f = sig[:, :size], sig[:, size:2 * size]
    dht = dh if grad_out is None else dh + grad_out
    dct = tanh_cell * tanh_cell
    np.subtract(1, dct, out=dct)
    dct *= sig[:, 2 * size:]
    dct *= dht
    dct += dc
    # d(sigmoid gate) = upstream * s * (1 - s), the three gates at once
    np.multiply(dct, g, out=d[:, :size])
    np.multiply(dct, c_prev, out=d[:, size:2 * size])
    np.multiply(dht, tanh_cell, out=d[:, 2 * size:3 * size])
    d_sig = d[:, :3 * size]
    d_sig *= sig
    d_sig *= 1 - sig
    dg = g * g
    np.subtract(1, dg, out=dg)
    dg *= i
    np.multiply(dct, dg, out=d[:, 3 * size:])
    np.multiply(dct, f, out=dc)
