"""The float32 LSTM layer op (one node over all time steps, ``MkldnnRnnLayerBackward0``) against PyTorch's float32
LSTM and, in float64, against ember's step-by-step layer (tight tolerance): packed uneven
lengths, both directions, stacks, with and without bias, gradients of every input, double backward."""
import numpy as np
import pytest
import torch

import ember
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
