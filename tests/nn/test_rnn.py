"""nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch: outputs, final states and the gradients of the input,
the initial states and every parameter over grids of the constructor arguments, padded and packed input (uneven
lengths, sorted or not), state_dict both ways, double backward, reprs, parameter names and bad input."""
import numpy as np
import pytest
import torch

import ember
from ember.cli.models import MODELS
from oracle import TOL, assert_close, copy_weights, randn, same_error

F64 = TOL[np.float64]
F32 = dict(rtol=2e-4, atol=2e-5)


def _twins(name, *args, dtype=np.float64, **kwargs):
    """The torch module and its ember twin holding torch's weights."""
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    e = getattr(ember.nn, name)(*args, **kwargs).to(getattr(ember, np.dtype(dtype).name))
    copy_weights(e, t)
    return e, t


def _run(lib, module, x, states, lengths, enforce_sorted, batch_first):
    """Forward (packing when ``lengths`` is given), backward of a fixed random weighting of every output; returns
    the outputs, the leaves' gradients and the parameter gradients by name."""
    leaves = [lib.tensor(x, requires_grad=True)] + [lib.tensor(s, requires_grad=True) for s in states]
    inp = leaves[0]
    if lengths is not None:
        inp = lib.nn.utils.rnn.pack_padded_sequence(inp, lengths, batch_first=batch_first,
                                                     enforce_sorted=enforce_sorted)
    hx = None if not states else (leaves[1] if len(states) == 1 else tuple(leaves[1:]))
    out, hidden = module(inp, hx)
    if lengths is not None:
        out, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)
        assert out_lengths.tolist() == list(lengths)
    outs = [out] + (list(hidden) if isinstance(hidden, tuple) else [hidden])
    rng = np.random.default_rng(7)
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)).astype(x.dtype))).sum() for o in outs)
    loss.backward()
    return outs, [leaf.grad for leaf in leaves], {n: p.grad for n, p in module.named_parameters()}


def _compare(e, t, x, states=(), lengths=None, enforce_sorted=True, batch_first=False, **tol):
    results = [_run(lib, m, x, states, lengths, enforce_sorted, batch_first) for lib, m in ((ember, e), (torch, t))]
    (e_outs, e_grads, e_params), (t_outs, t_grads, t_params) = results
    for a, b in zip(e_outs, t_outs):
        assert_close(a, b, **tol)
    for a, b in zip(e_grads, t_grads):
        assert_close(a, b, **tol)
    assert e_params.keys() == t_params.keys()
    for name in t_params:
        assert_close(e_params[name], t_params[name], **tol)


GRID = [dict(num_layers=n, bidirectional=bi, batch_first=bf, bias=b)
        for n in (1, 2) for bi in (False, True) for bf in (False, True) for b in (True, False)]


def _ids(kw):
    return "-".join(f"{k}={v}" for k, v in kw.items())


def _mode_args(mode):
    if mode == "RNN_relu":
        return "RNN", dict(nonlinearity="relu")
    return mode, {}


def _state_shapes(name, kw, batch, hidden, proj=0):
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    h = (d, batch, proj or hidden)
    return [h, (d, batch, hidden)] if name == "LSTM" else [h]


@pytest.mark.parametrize("mode", ["RNN", "RNN_relu", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", GRID, ids=_ids)
def test_padded_float64_matches_torch(mode, kw):
    name, extra = _mode_args(mode)
    e, t = _twins(name, 3, 4, **kw, **extra)
    T, N = 5, 3
    x = randn(*((N, T, 3) if kw["batch_first"] else (T, N, 3)), seed=1)
    states = [randn(*s, seed=2 + i) for i, s in enumerate(_state_shapes(name, kw, N, 4))]
    _compare(e, t, x, states, batch_first=kw["batch_first"], **F64)
    _compare(e, t, x, batch_first=kw["batch_first"], **F64)  # zero initial states


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True, batch_first=False),
                                dict(num_layers=1, bidirectional=False, batch_first=True)], ids=_ids)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_uneven_lengths_match_torch(mode, kw, enforce_sorted):
    e, t = _twins(mode, 3, 4, **kw)
    lengths = [6, 4, 4, 1] if enforce_sorted else [4, 6, 1, 4]
    T, N = 6, 4
    x = randn(*((N, T, 3) if kw["batch_first"] else (T, N, 3)), seed=1)
    states = [randn(*s, seed=2 + i) for i, s in enumerate(_state_shapes(mode, kw, N, 4))]
    _compare(e, t, x, states, lengths=lengths, enforce_sorted=enforce_sorted, batch_first=kw["batch_first"], **F64)


@pytest.mark.parametrize("kw", [dict(num_layers=1), dict(num_layers=2, bidirectional=True),
                                dict(num_layers=2, bias=False, batch_first=True)], ids=_ids)
@pytest.mark.parametrize("packed", [False, True])
def test_lstm_proj_size_matches_torch(kw, packed):
    e, t = _twins("LSTM", 3, 5, proj_size=2, **kw)
    bf = kw.get("batch_first", False)
    x = randn(*((3, 4, 3) if bf else (4, 3, 3)), seed=1)
    states = [randn(*s, seed=2 + i) for i, s in enumerate(_state_shapes("LSTM", kw, 3, 5, proj=2))]
    _compare(e, t, x, states, lengths=[4, 2, 1] if packed else None, batch_first=bf, **F64)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_float32_dropout_in_eval_matches_torch(mode):
    e, t = _twins(mode, 6, 8, num_layers=3, dropout=0.4, bidirectional=True, dtype=np.float32)
    e.eval()
    t.eval()
    _compare(e, t, randn(7, 5, 6, dtype=np.float32, seed=1), **F32)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_dropout_in_training_zeroes_between_layers(mode):
    """Dropout draws differ from PyTorch's; check it is applied in training (outputs change) and p=1 keeps the
    first layer's input only (the last layer sees zeros)."""
    ember.manual_seed(0)
    m = getattr(ember.nn, mode)(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(5, 2, 3)
    m.eval()
    ref = m(x)[0]
    m.train()
    assert not np.allclose(m(x)[0].detach().numpy(), ref.detach().numpy())
    m.dropout = 1.0
    zero_in = getattr(ember.nn, mode)(4, 4)
    zero_in.load_state_dict({k[:-1] + "0": v for k, v in m.state_dict().items() if k.endswith("l1")})
    np.testing.assert_allclose(m(x)[0].detach().numpy(), zero_in(ember.zeros(5, 2, 4))[0].detach().numpy())


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(mode):
    e, t = _twins(mode, 3, 4, num_layers=2)
    states = [randn(*s[::2], seed=2 + i) for i, s in enumerate(_state_shapes(mode, dict(num_layers=2), 1, 4))]
    _compare(e, t, randn(5, 3, seed=1), states, **F64)
    _compare(e, t, randn(5, 3, seed=1), **F64)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_double_backward_matches_torch(mode):
    """A gradient penalty: the norm of d(loss)/d(input), differentiated again into every parameter."""
    e, t = _twins(mode, 3, 4, num_layers=2, bidirectional=True)
    x = randn(4, 2, 3, seed=1)
    grads = {}
    for lib, m in ((ember, e), (torch, t)):
        xi = lib.tensor(x, requires_grad=True)
        out = m(xi)[0]
        (gx,) = lib.autograd.grad(out.tanh().sum(), xi, create_graph=True)
        (gx * gx).sum().backward()
        grads[lib.__name__] = ({n: p.grad for n, p in m.named_parameters()}, xi.grad)
    (e_params, e_x), (t_params, t_x) = grads["ember"], grads["torch"]
    assert_close(e_x, t_x, **F64)
    for name in t_params:
        assert_close(e_params[name], t_params[name], **F64)


# -- cells ------------------------------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")), ("RNNCell", dict(bias=False)),
         ("LSTMCell", {}), ("LSTMCell", dict(bias=False)), ("GRUCell", {}), ("GRUCell", dict(bias=False))]


@pytest.mark.parametrize("name,kw", CELLS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cells_match_torch(name, kw, batched, with_state):
    e, t = _twins(name, 3, 5, **kw)
    lead = (4,) if batched else ()
    x = randn(*lead, 3, seed=1)
    states = [randn(*lead, 5, seed=2 + i) for i in range(2 if name == "LSTMCell" else 1)] if with_state else []
    results = {}
    for lib, m in ((ember, e), (torch, t)):
        leaves = [lib.tensor(a, requires_grad=True) for a in [x] + states]
        hx = None if not states else (leaves[1] if len(states) == 1 else tuple(leaves[1:]))
        out = m(leaves[0], hx)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum((o * (k + 1.5)).tanh().sum() for k, o in enumerate(outs)).backward()
        results[lib.__name__] = outs, [leaf.grad for leaf in leaves], {n: p.grad for n, p in m.named_parameters()}
    for a, b in zip(*(results[k][0] + results[k][1] for k in ("ember", "torch"))):
        assert_close(a, b, **F64)
    for n, g in results["torch"][2].items():
        assert_close(results["ember"][2][n], g, **F64)


# -- parameters, state_dict, repr -------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu")),
                                     ("LSTM", dict(num_layers=2, proj_size=3, bias=False, bidirectional=True)),
                                     ("GRU", dict(num_layers=3, dropout=0.25, batch_first=True)),
                                     ("LSTM", {}), ("RNNCell", dict(nonlinearity="relu")), ("GRUCell", {}),
                                     ("LSTMCell", dict(bias=False))])
def test_names_shapes_repr_and_state_dict_both_ways(name, kw):
    t = getattr(torch.nn, name)(4, 6, **kw)
    e = getattr(ember.nn, name)(4, 6, **kw)
    t.eval()
    e.eval()
    assert repr(e) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    if hasattr(t, "all_weights"):
        assert [[tuple(p.shape) for p in w] for w in e.all_weights] == \
               [[tuple(p.shape) for p in w] for w in t.all_weights]
        assert e._flat_weights_names == t._flat_weights_names
        e.flatten_parameters()
    bound = 1 / np.sqrt(6)
    for p in e.parameters():
        assert p.abs().max().item() <= bound and p.std().item() > bound / 4
    x = randn(5, 4, seed=3).astype(np.float32)
    copy_weights(e, t)  # torch -> ember
    assert_close(_first(e(ember.tensor(x))), _first(t(torch.tensor(x))), **F32)
    t2 = getattr(torch.nn, name)(4, 6, **kw).eval()
    ember.manual_seed(3)
    e2 = getattr(ember.nn, name)(4, 6, **kw).eval()
    t2.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in e2.state_dict().items()})  # ember -> torch
    assert_close(_first(e2(ember.tensor(x))), _first(t2(torch.tensor(x))), **F32)


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def test_init_uses_embers_generator():
    ember.manual_seed(5)
    a = ember.nn.LSTM(3, 4).weight_hh_l0.detach().numpy().copy()
    ember.manual_seed(5)
    np.testing.assert_array_equal(ember.nn.LSTM(3, 4).weight_hh_l0.detach().numpy(), a)


def test_dtype_and_device_arguments():
    m = ember.nn.GRU(3, 4, dtype=ember.float64, device="cpu")
    assert all(p.dtype == ember.float64 for p in m.parameters())
    assert ember.nn.LSTMCell(3, 4, dtype=ember.float64).weight_ih.dtype == ember.float64


# -- bad input --------------------------------------------------------------------------------------------------
def _m(lib, name, *args, **kw):
    torch.manual_seed(0)
    return getattr(lib.nn, name)(*args, **kw)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_bad_inputs_raise_torchs_errors(name):
    same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(2, 3, 4, 3)), "2D or 3D")
    same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 7)), "input_size", "Expected 3, got 7")
    same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3, dtype=lib.float64)), "dtype")
    pack = lambda lib: lib.nn.utils.rnn.pack_sequence([lib.zeros(3, 5), lib.zeros(2, 5)])  # noqa: E731
    # PyTorch's LSTM checks no packed input: the input projection's matmul reports it
    same_error(lambda lib: _m(lib, name, 3, 4)(pack(lib)), "cannot be multiplied" if name == "LSTM" else "input_size")
    if name == "LSTM":
        h, c = (lambda lib: lib.zeros(1, 2, 4)), (lambda lib: lib.zeros(1, 3, 4))
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3), (h(lib), c(lib))), "hidden[1]")
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3), (c(lib), h(lib))), "hidden[0]")
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3), (lib.zeros(2, 4), h(lib))), "3-D")
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 3), (h(lib), h(lib))), "2-D")
    else:
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3), lib.zeros(2, 2, 4)), "Expected hidden size")
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 2, 3), lib.zeros(2, 4)), "3-D")
        same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(5, 3), lib.zeros(1, 1, 4)), "2-D")


@pytest.mark.parametrize("kw", [dict(dropout=1.5), dict(dropout=True), dict(hidden_size=0), dict(num_layers=0),
                                dict(proj_size=-1), dict(proj_size=4), dict(bias=1), dict(batch_first=None),
                                dict(input_size=2.0), dict(hidden_size=4.0)], ids=_ids)
def test_bad_constructor_arguments(kw):
    args = dict(input_size=3, hidden_size=4) | kw
    same_error(lambda lib: lib.nn.LSTM(**args))


def test_rnn_only_arguments():
    same_error(lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"), "sigmoid")
    same_error(lambda lib: lib.nn.GRU(3, 4, proj_size=2), "proj_size")
    same_error(lambda lib: lib.nn.RNN(3, 4, proj_size=2), "proj_size")
    with pytest.warns(UserWarning, match="dropout option adds dropout"):
        ember.nn.GRU(3, 4, dropout=0.5)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_bad_inputs(name):
    same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(2, 2, 3)), "1D or 2D")
    state = (lambda lib: (lib.zeros(1, 1, 4), lib.zeros(1, 4))) if name == "LSTMCell" else \
        (lambda lib: lib.zeros(1, 1, 4))
    same_error(lambda lib: _m(lib, name, 3, 4)(lib.zeros(1, 3), state(lib)), "1D or 2D")


def test_ember_train_lstm_model_matches_torch():
    """``ember train --model lstm``: rows of the image as time steps, the last hidden state classified."""
    e = MODELS["lstm"](in_channels=3, image_size=8)
    torch.manual_seed(0)
    lstm, fc = torch.nn.LSTM(24, 128, batch_first=True), torch.nn.Linear(128, 10)
    copy_weights(e, torch.nn.ModuleDict({"lstm": lstm, "fc": fc}))
    x = randn(2, 3, 8, 8, dtype=np.float32)
    expected = fc(lstm(torch.tensor(x).permute(0, 2, 1, 3).flatten(2))[1][0][-1])
    assert_close(e(ember.tensor(x)), expected, **F32)
