"""The recurrent layers' math (RNN, LSTM, GRU and their cells).

A float32 LSTM layer without projection runs each direction as one op over all its time steps, as PyTorch's
oneDNN path does (``MkldnnRnnLayerBackward0``): its backward runs backpropagation through time in NumPy and the
weight gradients as single GEMMs over all steps (``kernels/lstm.py``). Everything else runs step by step: the RNN
step is composed from existing ops, the LSTM and GRU gate blocks are one fused op each (PyTorch's
``_thnn_fused_*_cell`` nodes), whose backward runs in NumPy, or, when building a differentiable gradient
(``create_graph``), as Tensor ops, so double backward works. Per layer and direction the input projection of all
time steps is one GEMM before the loop; each time step then runs one GEMM for the hidden path. Sequences are held flat as PyTorch's packed data:
``(sum(batch_sizes), F)`` rows, time step ``t`` owning ``batch_sizes[t]`` consecutive rows of the sequences still
running (longest first), so a padded batch is the case of equal batch sizes and packed input needs no loop over
the batch.
"""
from __future__ import annotations

import numpy as np

from ..._creation import zeros_like
from ..._tensor import wrap
from ...autograd.api import grad as _grad
from ...autograd.function import Op
from ...autograd.grad_mode import STATE
from ..kernels import lstm as _lstm_kernel
from ..pointwise import _sigmoid_np
from ..shape import cat, stack
from .dropout import dropout as _dropout
from .linear import check_arguments, linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "rnn_layers"]


def _rnn_tanh_step(xw, state, w_hh, b_hh, w_hr):
    return (xw.add(linear(state[0], w_hh, b_hh)).tanh(),)


def _rnn_relu_step(xw, state, w_hh, b_hh, w_hr):
    return (xw.add(linear(state[0], w_hh, b_hh)).relu(),)


def _grad_or_zeros(g, like):
    return g if g is not None else zeros_like(like)


class ThnnFusedLstmCellBackward0(Op):
    """``(input_gates, hidden_gates, c) -> (h, c')`` with PyTorch's gate order i, f, g, o:
    ``c' = sigmoid(f) * c + sigmoid(i) * tanh(g)``, ``h = sigmoid(o) * tanh(c')``."""

    @staticmethod
    def forward(ctx, xg, hg, c):
        size = c.shape[1]
        gates = xg + hg
        ifo = _sigmoid_np(gates)
        i, f, o = ifo[:, :size], ifo[:, size:2 * size], ifo[:, 3 * size:]
        g = np.tanh(gates[:, 2 * size:3 * size])
        cy = f * c + i * g
        tc = np.tanh(cy)
        ctx.save_for_backward(xg, hg, c)
        ctx.acts = (i, f, g, o, tc, c)
        return o * tc, cy

    @staticmethod
    def backward(ctx, gh, gc):
        need = ctx.needs_input_grad
        if STATE.enabled:  # building a differentiable gradient: the same formulas as Tensor ops
            xg, hg, c = ctx.saved_tensors
            i, f, g, o = xg.add(hg).chunk(4, 1)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            tc = f.mul(c).add(i.mul(g)).tanh()
            gh, gc = _grad_or_zeros(gh, c), _grad_or_zeros(gc, c)
            gct = gc.add(gh.mul(o).mul(1 - tc.mul(tc)))
            d = cat([gct.mul(g).mul(i).mul(1 - i), gct.mul(c).mul(f).mul(1 - f),
                     gct.mul(i).mul(1 - g.mul(g)), gh.mul(tc).mul(o).mul(1 - o)], 1)
            return (d if need[0] else None), (d if need[1] else None), (gct.mul(f) if need[2] else None)
        i, f, g, o, tc, c = ctx.acts
        gha = gh._data if gh is not None else np.zeros_like(c)
        gct = gha * o * (1 - tc * tc)
        if gc is not None:
            gct += gc._data
        size = c.shape[1]
        d = np.empty((c.shape[0], 4 * size), dtype=c.dtype)
        d[:, :size] = gct * g * i * (1 - i)
        d[:, size:2 * size] = gct * c * f * (1 - f)
        d[:, 2 * size:3 * size] = gct * i * (1 - g * g)
        d[:, 3 * size:] = gha * tc * o * (1 - o)
        d = wrap(d)
        return (d if need[0] else None), (d if need[1] else None), (wrap(gct * f) if need[2] else None)


class ThnnFusedGruCellBackward0(Op):
    """``(input_gates, hidden_gates, h) -> h'`` with PyTorch's gate order r, z, n:
    ``n = tanh(x_n + r * h_n)``, ``h' = n + z * (h - n)`` (``h_n`` already holds ``b_hn``)."""

    @staticmethod
    def forward(ctx, xg, hg, h):
        size = h.shape[1]
        rz = _sigmoid_np(xg[:, :2 * size] + hg[:, :2 * size])
        r, z = rz[:, :size], rz[:, size:]
        hn = hg[:, 2 * size:]
        n = np.tanh(xg[:, 2 * size:] + r * hn)
        ctx.save_for_backward(xg, hg, h)
        ctx.acts = (r, z, n, hn, h)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, gy):
        need = ctx.needs_input_grad
        if STATE.enabled:  # building a differentiable gradient: the same formulas as Tensor ops
            xg, hg, h = ctx.saved_tensors
            size = h.shape[1]
            r, z = xg[:, :2 * size].add(hg[:, :2 * size]).sigmoid().chunk(2, 1)
            hn = hg[:, 2 * size:]
            n = xg[:, 2 * size:].add(r.mul(hn)).tanh()
            dn = gy.mul(1 - z).mul(1 - n.mul(n))
            dr = dn.mul(hn).mul(r).mul(1 - r)
            dz = gy.mul(h.sub(n)).mul(z).mul(1 - z)
            dx = cat([dr, dz, dn], 1) if need[0] else None
            dh = cat([dr, dz, dn.mul(r)], 1) if need[1] else None
            return dx, dh, (gy.mul(z) if need[2] else None)
        r, z, n, hn, h = ctx.acts
        g = gy._data
        size = h.shape[1]
        dn = g * (1 - z) * (1 - n * n)
        dx = np.empty((h.shape[0], 3 * size), dtype=h.dtype)
        dx[:, :size] = dn * hn * r * (1 - r)
        dx[:, size:2 * size] = g * (h - n) * z * (1 - z)
        dx[:, 2 * size:] = dn
        dh = None
        if need[1]:
            dh = dx.copy()
            dh[:, 2 * size:] *= r
        return (wrap(dx) if need[0] else None), (wrap(dh) if dh is not None else None), \
            (wrap(g * z) if need[2] else None)


def _lstm_step(xw, state, w_hh, b_hh, w_hr):
    """One fused gate block; with ``w_hr`` the hidden state is projected (``proj_size``)."""
    h, c = state
    h, c = ThnnFusedLstmCellBackward0.apply(xw, linear(h, w_hh, b_hh), c)
    if w_hr is not None:
        h = linear(h, w_hr)
    return h, c


def _gru_step(xw, state, w_hh, b_hh, w_hr):
    return (ThnnFusedGruCellBackward0.apply(xw, linear(state[0], w_hh, b_hh), state[0]),)


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}


def _cell(mode: str, input, state: tuple, w_ih, w_hh, b_ih, b_hh) -> tuple:
    return _STEPS[mode](linear(input, w_ih, b_ih), state, w_hh, b_hh, None)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of ``nn.RNNCell`` (tanh) on ``(N, input_size)``."""
    return _cell("RNN_TANH", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of ``nn.RNNCell`` (relu) on ``(N, input_size)``."""
    return _cell("RNN_RELU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input, hx: tuple, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    """One step of ``nn.LSTMCell``: returns ``(h', c')``."""
    return _cell("LSTM", input, tuple(hx), w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of ``nn.GRUCell`` on ``(N, input_size)``."""
    return _cell("GRU", input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def _forward_direction(step, xw: tuple, batch_sizes, state, weights):
    """Run time steps first to last; a sequence's final state is taken at the step where it leaves the batch."""
    finals = []
    running = batch_sizes[0]
    outputs = []
    for xw_t, size in zip(xw, batch_sizes):
        if size < running:
            finals.append(tuple(s[size:running] for s in state))
            state = tuple(s[:size] for s in state)
            running = size
        state = step(xw_t, state, *weights)
        outputs.append(state[0])
    if finals:
        finals.append(state)
        state = tuple(cat([piece[k] for piece in reversed(finals)]) for k in range(len(state)))
    return outputs, state


def _reverse_direction(step, xw: tuple, batch_sizes, state, weights):
    """Run time steps last to first; a sequence joins with its initial state at its own last step."""
    initial = state
    running = batch_sizes[-1]
    if running < batch_sizes[0]:
        state = tuple(s[:running] for s in initial)
    outputs = []
    for xw_t, size in zip(reversed(xw), reversed(batch_sizes)):
        if size > running:
            state = tuple(cat([s, s0[running:size]]) for s, s0 in zip(state, initial))
            running = size
        state = step(xw_t, state, *weights)
        outputs.append(state[0])
    outputs.reverse()
    return outputs, state


def _direction(mode: str, data, batch_sizes: list, state: tuple, weights: tuple, reverse: bool) -> tuple:
    """One layer in one direction, step by step: the flat outputs and the final state."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    xw = linear(data, w_ih, b_ih).split(batch_sizes)  # one GEMM; per-step views in one node
    run = _reverse_direction if reverse else _forward_direction
    outputs, state = run(_STEPS[mode], xw, batch_sizes, state, (w_hh, b_hh, w_hr))
    return (cat(outputs) if len(outputs) > 1 else outputs[0]), state


class MkldnnRnnLayerBackward0(Op):
    """A float32 LSTM layer in one direction over all its time steps:
    ``(data, w_ih, w_hh, b_ih, b_hh, h0, c0) -> (outputs, h_n, c_n)`` on packed rows (see ``kernels/lstm.py``).
    Under ``create_graph`` the backward recomputes the layer step by step and differentiates that, so double
    backward works."""

    @staticmethod
    def forward(ctx, data, w_ih, w_hh, b_ih, b_hh, h0, c0, batch_sizes=(), reverse=False):
        biases = [b for b in (b_ih, b_hh) if b is not None]
        out, h, c, saved = _lstm_kernel.forward(data, w_ih, w_hh, biases, h0, c0, batch_sizes, reverse)
        ctx.save_for_backward(data, w_ih, w_hh, b_ih, b_hh, h0, c0)
        ctx.kernel_saved, ctx.batch_sizes, ctx.reverse = saved, batch_sizes, reverse
        return out, h, c

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        need = ctx.needs_input_grad
        inputs = ctx.saved_tensors
        if STATE.enabled:
            return _recomputed_grads(inputs, need, (grad_out, grad_h, grad_c), ctx.batch_sizes, ctx.reverse)
        arrays = [None if g is None else g._data for g in (grad_out, grad_h, grad_c)]
        d_input, d_ih, d_hh, d_b, dh0, dc0 = _lstm_kernel.backward(
            *arrays, *(t._data for t in inputs[:3]), ctx.kernel_saved, ctx.batch_sizes, ctx.reverse, need[0],
            any(need[1:5]))
        grads = (d_input, d_ih, d_hh, d_b, d_b, dh0, dc0)
        return tuple(wrap(g) if n else None for g, n in zip(grads, need))


def _recomputed_grads(inputs: tuple, need: tuple, grads: tuple, batch_sizes: list, reverse: bool) -> tuple:
    """The layer's input gradients as a differentiable graph: the step-by-step layer recomputed from the inputs
    themselves (so the result connects to their history) and differentiated with ``create_graph``."""
    data, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
    out, (h, c) = _direction("LSTM", data, batch_sizes, (h0, c0), (w_ih, w_hh, b_ih, b_hh, None), reverse)
    pairs = [(o, g) for o, g in zip((out, h, c), grads) if g is not None]
    wanted = [t for t, n in zip(inputs, need) if n]
    found = iter(_grad([o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=True,
                       allow_unused=True, materialize_grads=True))
    return tuple(next(found) if n else None for n in need)


def _fused(mode: str, data, w_hr) -> bool:
    return mode == "LSTM" and w_hr is None and data._data.dtype == np.float32


def rnn_layers(mode: str, data, batch_sizes: list, hx: tuple, weights: list, has_biases: bool, num_layers: int,
               dropout: float, train: bool, bidirectional: bool) -> tuple:
    """A stack of recurrent layers over flat packed ``data`` ``(sum(batch_sizes), input_size)``.

    ``hx`` holds the initial states, each ``(num_layers * num_directions, batch_sizes[0], size)``; ``weights`` is
    the module's flat weight list in PyTorch's order (w_ih, w_hh[, b_ih, b_hh][, w_hr] per layer and direction).
    Returns the last layer's output in the same flat layout and the stacked final states.
    """
    directions = 2 if bidirectional else 1
    per = len(weights) // (num_layers * directions)
    finals = []
    for layer in range(num_layers):
        if layer and dropout and train:
            data = _dropout(data, dropout, True)
        outs = []
        for direction in range(directions):
            k = layer * directions + direction
            w = weights[k * per:(k + 1) * per]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            w_hr = w[-1] if len(w) in (3, 5) else None
            state = tuple(h[k] for h in hx)
            if _fused(mode, data, w_hr):
                check_arguments(data, w[0], b_ih)
                out, *state = MkldnnRnnLayerBackward0.apply(data, w[0], w[1], b_ih, b_hh, *state,
                                                            batch_sizes=batch_sizes, reverse=bool(direction))
            else:
                out, state = _direction(mode, data, batch_sizes, state, (w[0], w[1], b_ih, b_hh, w_hr), direction)
            outs.append(out)
            finals.append(state)
        data = cat(outs, 1) if directions == 2 else outs[0]
    return data, tuple(stack([f[i] for f in finals]) for i in range(len(hx)))
