"""An LSTM layer's whole time loop in one direction, on NumPy arrays: the forward keeps every step's gate
activations, the backward runs backpropagation through time and leaves the gates' gradients of all steps in one
array, so the weight gradients become single GEMMs over all steps instead of one small GEMM per step.

Rows follow PyTorch's packed layout: time step ``t`` owns ``batch_sizes[t]`` consecutive rows, the sequences still
running (longest first). The state is held for the whole batch; a step reads and writes its first
``batch_sizes[t]`` rows, which is right in both directions: run forward, a sequence that has ended keeps its last
state in its row; run backward (from the last step), a sequence that starts later finds its initial state there.

The GEMMs over all rows (the input projection before the loop, the input and weight gradients after it) are
done in chunks of time steps on a second thread beside the loop: the projection of a chunk is ready before the loop
reaches it, the gradients of a chunk are computed as soon as the loop has left it (``threads.beside``; with one
thread they run in line).

A time step is a dozen NumPy calls on small arrays, so their number is what costs. Two arrangements cut it: the
gates are held in the order input, forget, output, cell (PyTorch's is input, forget, cell, output), so the three
sigmoid gates are one block; and ``sigmoid(z) = (tanh(z / 2) + 1) / 2`` with the halving folded into the weights
of the sigmoid gates (exact: a power of two), so one ``tanh`` call activates all four gates.
"""
from __future__ import annotations

import numpy as np

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

    chunks = _chunks(_row_blocks(batch_sizes, reverse))
    ready = [beside(lambda rows=rows: project(rows)) for rows, _ in chunks]
    w_hh_t = _kernel_layout(w_hh, 0.5).T
    if batch_sizes[0] > 1 or len(batch_sizes) > 50:
        # from batch 2, BLAS on the transposed view takes 90-140 us a step, 10-80 us on a copy (which costs 100 us);
        # at batch 1 (a matrix-vector product) the view costs 2 us a step more
        w_hh_t = np.ascontiguousarray(w_hh_t)
    cells = np.empty((data.shape[0], size), dtype=gates.dtype)
    tanh_cells, h_prev, c_prev, out = (np.empty_like(cells) for _ in range(4))
    h, c = h0.copy(), c0.copy()
    for (_, steps), wait in zip(chunks, ready):
        wait()
        for rows, n in steps:
            gate, cell = gates[rows], cells[rows]
            h_prev[rows] = h[:n]
            c_prev[rows] = c[:n]
            gate += h_prev[rows] @ w_hh_t
            np.tanh(gate, out=gate)
            sig = gate[:, :3 * size]
            sig *= 0.5
            sig += 0.5
            np.multiply(gate[:, size:2 * size], c_prev[rows], out=cell)
            cell += gate[:, :size] * gate[:, 3 * size:]
            np.tanh(cell, out=tanh_cells[rows])
            np.multiply(gate[:, 2 * size:3 * size], tanh_cells[rows], out=out[rows])
            h[:n] = out[rows]
            c[:n] = cell
    return out, h, c, (gates, tanh_cells, h_prev, c_prev)


def backward(grad_out, grad_h, grad_c, data: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, saved: tuple,
             batch_sizes: list, reverse: bool, need_input: bool, need_weights: bool) -> tuple:
    """Backpropagation through time. Any of the incoming gradients may be None (zero).

    Returns the gradients of the input (or None), of ``w_ih``, ``w_hh`` and the (shared) bias (or Nones), and of
    ``h0`` and ``c0``, the weights' in PyTorch's gate order.
    """
    gates, tanh_cells, h_prev, c_prev = saved
    size = h_prev.shape[1]
    batch = batch_sizes[0]
    dh = np.zeros((batch, size), dtype=gates.dtype) if grad_h is None else grad_h.copy()
    dc = np.zeros((batch, size), dtype=gates.dtype) if grad_c is None else grad_c.copy()
    w_hh_p = _kernel_layout(w_hh)
    w_ih_p = _kernel_layout(w_ih)
    dgates = np.empty_like(gates)
    d_input = np.empty_like(data) if need_input else None

    def gemms(rows: slice):
        d = dgates[rows]
        if need_input:
            np.matmul(d, w_ih_p, out=d_input[rows])
        return (d.T @ data[rows], d.T @ h_prev[rows], d.sum(0)) if need_weights else None

    pending = []
    for rows_of_chunk, steps in reversed(_chunks(_row_blocks(batch_sizes, reverse))):
        for rows, n in reversed(steps):
            gate, d = gates[rows], dgates[rows]
            sig, g = gate[:, :3 * size], gate[:, 3 * size:]
            i, f = sig[:, :size], sig[:, size:2 * size]
            tc = tanh_cells[rows]
            dht = dh[:n] if grad_out is None else dh[:n] + grad_out[rows]
            dct = tc * tc
            np.subtract(1, dct, out=dct)
            dct *= sig[:, 2 * size:]
            dct *= dht
            dct += dc[:n]
            # d(sigmoid gate) = upstream * s * (1 - s), the three gates at once
            np.multiply(dct, g, out=d[:, :size])
            np.multiply(dct, c_prev[rows], out=d[:, size:2 * size])
            np.multiply(dht, tc, out=d[:, 2 * size:3 * size])
            d_sig = d[:, :3 * size]
            d_sig *= sig
            d_sig *= 1 - sig
            dg = g * g
            np.subtract(1, dg, out=dg)
            dg *= i
            np.multiply(dct, dg, out=d[:, 3 * size:])
            np.multiply(dct, f, out=dc[:n])
            np.matmul(d, w_hh_p, out=dh[:n])
        pending.append(beside(lambda rows=rows_of_chunk: gemms(rows)))
    parts = [wait() for wait in reversed(pending)][::-1]  # the latest first: those the worker has not begun
    weights = (None, None, None)
    if need_weights:
        weights = tuple(np.empty_like(p) for p in parts[0])
        for total, chunk_parts in zip(weights, zip(*parts)):
            total[_gate_order(size)] = sum(chunk_parts[1:], chunk_parts[0])
    return (d_input,) + weights + (dh, dc)
