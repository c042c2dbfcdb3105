"""The float32 LSTM layer op (one node over all time steps, ``MkldnnRnnLayerBackward0``) against PyTorch's float32
LSTM and, in float64, against ember's step-by-step layer (tight tolerance): packed uneven
lengths, both directions, stacks, with and without bias, gradients of every input, double backward; and the
compiled time loops against the NumPy ones."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.kernels import lstm as lstm_kernel, native
from ember.ops.nn import rnn as rnn_ops
from oracle import TOL, assert_close, randn
from .test_rnn import F32, _compare, _twins

F64 = TOL[np.float64]


@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True), dict(num_layers=1, bias=False),
                                dict(num_layers=3, batch_first=True)])
@pytest.mark.parametrize("lengths", [None, [6, 4, 4, 1], [2, 6, 3, 5]])
def test_float32_layers_match_torch(kw, lengths):
    e, t = _twins("LSTM", 5, 7, dtype=np.float32, **kw)
    shape = (4, 6, 5) if kw.get("batch_first") else (6, 4, 5)
    states = [randn(kw["num_layers"] * (1 + kw.get("bidirectional", False)), 4, 7, dtype=np.float32, seed=s)
              for s in (2, 3)]
    _compare(e, t, randn(*shape, dtype=np.float32, seed=1), states, lengths=lengths, enforce_sorted=False,
             batch_first=kw.get("batch_first", False), **F32)


def test_float32_lstm_runs_one_node_per_layer_and_direction():
    e, _ = _twins("LSTM", 3, 4, dtype=np.float32, num_layers=2)
    out, (h, _) = e(ember.randn(5, 2, 3))
    assert type(h.grad_fn.next_functions[0][0]).__name__ == "MkldnnRnnLayerBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "MkldnnRnnLayerBackward0"


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [[3, 3, 3, 3], [4, 3, 3, 1], [1], [1, 1, 1], [1] * 60])
def test_layer_op_equals_the_step_by_step_layer_in_float64(reverse, batch_sizes):
    rng = np.random.default_rng(0)
    batch, rows, size = batch_sizes[0], sum(batch_sizes), 5
    arrays = [rng.standard_normal(s) for s in [(rows, 3), (4 * size, 3), (4 * size, size), (4 * size,), (4 * size,),
                                               (batch, size), (batch, size)]]
    results = []
    for fused in (True, False):
        inputs = [ember.tensor(a, requires_grad=True) for a in arrays]
        if fused:
            out, h, c = rnn_ops.MkldnnRnnLayerBackward0.apply(*inputs, batch_sizes=batch_sizes, reverse=reverse)
        else:
            out, (h, c) = rnn_ops._direction("LSTM", inputs[0], batch_sizes, tuple(inputs[5:]),
                                             tuple(inputs[1:5]) + (None,), reverse)
        weights = [ember.tensor(rng.standard_normal(o.shape)) for o in (out, h, c)] if not results else results[0][2]
        sum(((o * w).sum() for o, w in zip((out, h, c), weights)), ember.tensor(0.0)).backward()
        results.append(((out, h, c), [i.grad for i in inputs], weights))
    (fused_outs, fused_grads, _), (step_outs, step_grads, _) = results
    for a, b in zip(fused_outs + tuple(fused_grads), step_outs + tuple(step_grads)):
        assert_close(a, b, **F64)


def test_float32_double_backward_matches_torch():
    e, t = _twins("LSTM", 3, 4, dtype=np.float32, num_layers=2, bidirectional=True)
    x = randn(4, 2, 3, dtype=np.float32, seed=1)
    grads = []
    for lib, m in ((ember, e), (torch, t)):
        xi = lib.tensor(x, requires_grad=True)
        (gx,) = lib.autograd.grad(m(xi)[0].tanh().sum(), xi, create_graph=True)
        (gx * gx).sum().backward()
        grads.append([xi.grad] + [p.grad for _, p in m.named_parameters()])
    for a, b in zip(*grads):
        assert_close(a, b, **F32)


@pytest.mark.skipif(not native.available(), reason="the compiled library is not built")
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_sizes", [[6] * 5, [8, 8, 6, 4, 4, 1], [20] * 3])
@pytest.mark.parametrize("size", [5, 20])
@pytest.mark.parametrize("scale", [0.5, 6.0])
def test_compiled_time_loops_match_the_numpy_loops(reverse, batch_sizes, size, scale, monkeypatch):
    """The compiled loops (``csrc/lstm.c``: its own tanh, the compiled products) and the NumPy ones in float32,
    gates near zero and saturated, every output of forward and backward, each against the NumPy loops in float64
    (the error relative to the largest value; saturated gates make the gradients ill-conditioned in float32 for
    both)."""
    rng = np.random.default_rng(size)
    batch, rows, features = batch_sizes[0], sum(batch_sizes), 7
    arrays = [scale * rng.standard_normal(s)
              for s in [(rows, features), (4 * size, features), (4 * size, size), (4 * size,), (4 * size,),
                        (batch, size), (batch, size), (rows, size), (batch, size), (batch, size)]]

    def run(compiled: bool, dtype) -> list:
        monkeypatch.setattr(native, "enabled", compiled)
        data, w_ih, w_hh, b_ih, b_hh, h0, c0, grad_out, grad_h, grad_c = (a.astype(dtype) for a in arrays)
        out, h, c, saved = lstm_kernel.forward(data, w_ih, w_hh, [b_ih, b_hh], h0, c0, batch_sizes, reverse)
        return [out, h, c, *lstm_kernel.backward(grad_out, grad_h, grad_c, data, w_ih, w_hh, saved, batch_sizes,
                                                 reverse, True, True)]

    exact, compiled, numpy = run(False, np.float64), run(True, np.float32), run(False, np.float32)
    for truth, a, b in zip(exact, compiled, numpy):
        assert a.dtype == np.float32
        error, numpy_error = (np.abs(x - truth).max() / np.abs(truth).max() for x in (a, b))
        # measured: at most 5e-7 (NumPy 4e-7) at scale 0.5, 6e-5 (NumPy 2e-5) at scale 6
        assert max(error, numpy_error) <= 3e-6 * scale ** 2, (error, numpy_error)


@pytest.mark.skipif(not native.available(), reason="the compiled library is not built")
def test_compiled_loops_pass_nan_through_like_numpy(monkeypatch):
    data = np.ones((12, 3), dtype=np.float32)
    data[5, 1] = np.nan
    weights = [np.full(s, 0.1, dtype=np.float32) for s in [(8, 3), (8, 2)]]
    states = [np.zeros((4, 2), dtype=np.float32)] * 2
    outs = []
    for compiled in (True, False):
        monkeypatch.setattr(native, "enabled", compiled)
        outs.append(lstm_kernel.forward(data, *weights, [], *states, [4, 4, 4], False)[0])
    assert (np.isnan(outs[0]) == np.isnan(outs[1])).all() and np.isnan(outs[0][4:]).any()
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)
