"""F.scaled_dot_product_attention, F.multi_head_attention_forward and nn.MultiheadAttention against PyTorch:
outputs, attention weights, input/mask/parameter gradients, reprs, state_dict keys, grad_fn names and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, copy_weights, randn, same_error

NEG = -np.inf


def _sdpa(lib, q, k, v, mask=None, **kw):
    return lib.nn.functional.scaled_dot_product_attention(q, k, v, mask, **kw)


# -- scaled_dot_product_attention -------------------------------------------------------------------------------
@pytest.mark.parametrize("lead,L,S,E,Ev", [((), 4, 4, 5, 5), ((3,), 4, 6, 5, 2), ((2, 3), 5, 4, 3, 6),
                                           ((2, 1, 2), 3, 3, 4, 4)])
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal", "scale"])
def test_sdpa_matches_torch(lead, L, S, E, Ev, mask):
    q, k, v = randn(*lead, L, E, seed=1), randn(*lead, S, E, seed=2), randn(*lead, S, Ev, seed=3)
    rng = np.random.default_rng(4)
    if mask == "bool":
        keep = rng.random((L, S)) < 0.7
        keep[:, 0] = True
        check(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, m), q, k, v, keep)
    elif mask == "float":  # broadcast over the leading dims; its gradient is compared too
        check(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, m), q, k, v, randn(L, S, seed=5))
    elif mask == "causal":
        check(lambda lib, q, k, v: _sdpa(lib, q, k, v, is_causal=True), q, k, v)
    elif mask == "scale":
        check(lambda lib, q, k, v: _sdpa(lib, q, k, v, scale=0.37), q, k, v)
    else:
        check(_sdpa, q, k, v)


def test_sdpa_float32_and_noncontiguous():
    q, k, v = (randn(2, 3, 4, 6, dtype=np.float32, seed=s) for s in (1, 2, 3))
    out = check(_sdpa, q, k, v, noncontiguous=True)
    assert out[0].dtype == ember.float32


@pytest.mark.parametrize("mask_dtype", [np.bool_, np.float64])
def test_sdpa_fully_masked_rows_are_zero(mask_dtype):
    # PyTorch's safe softmax: a query that may attend to nothing gets zeros (and zero gradients), not NaN
    keep = np.ones((2, 4, 5), dtype=bool)
    keep[0, 1] = keep[1, 3] = False
    mask = keep if mask_dtype == np.bool_ else np.where(keep, 0.0, NEG)
    out = check(lambda lib, q, k, v, m: _sdpa(lib, q, k, v, m), randn(2, 4, 3, seed=1), randn(2, 5, 3, seed=2),
                randn(2, 5, 3, seed=3), mask)
    assert (out[0].detach().numpy()[0, 1] == 0).all()


def test_sdpa_gqa():
    q, k, v = randn(2, 6, 3, 4, seed=1), randn(2, 2, 5, 4, seed=2), randn(2, 2, 5, 3, seed=3)
    check(lambda lib, q, k, v: _sdpa(lib, q, k, v, enable_gqa=True), q, k, v)


def test_sdpa_dropout_drops_and_rescales_weights():
    # with value = identity the output is the (dropped) attention matrix itself
    q, k = ember.tensor(randn(3, 4, 6, seed=1)), ember.tensor(randn(3, 6, 6, seed=2))
    eye = ember.eye(6, dtype=ember.float64).expand(3, 6, 6)
    weights = _sdpa(ember, q, k, eye).numpy()
    dropped = _sdpa(ember, q, k, eye, dropout_p=0.5).numpy()
    kept = dropped != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(dropped[kept], 2 * weights[kept])
    assert (_sdpa(ember, q, k, eye, dropout_p=1.0).numpy() == 0).all()


@pytest.mark.parametrize("shape,kw", [((2, 3, 4, 5), {}), ((2, 3, 4, 5), {"is_causal": True}), ((3, 4, 5), {}),
                                      ((4, 5), {}), ((1, 2, 3, 4, 5), {}), ((2, 3, 4, 5), {"dropout_p": 0.3})])
def test_sdpa_grad_fn_names(shape, kw):
    names = []
    for lib in (ember, torch):
        q = lib.tensor(randn(*shape), requires_grad=True)
        names.append(_sdpa(lib, q, q, q, **kw).grad_fn.name())
    assert names[0] == names[1]


def test_sdpa_double_backward():
    def second(lib, q, k, v):
        out = _sdpa(lib, q, k, v, lib.tensor(randn(4, 5, seed=9)))
        (gq,) = lib.autograd.grad((out * out).sum(), q, create_graph=True)
        return gq

    check(second, randn(3, 4, 2, seed=1), randn(3, 5, 2, seed=2), randn(3, 5, 3, seed=3))


@pytest.mark.parametrize("case", ["dtypes", "mask_dtype", "rank", "dropout", "integer", "gqa", "head_dim",
                                  "mask_shape"])
def test_sdpa_errors(case):
    q = randn(2, 3, 4, 5)

    def run(lib):
        t = lib.tensor(q)
        if case == "dtypes":
            return _sdpa(lib, t, t.double().float().double(), t.float())
        if case == "mask_dtype":
            return _sdpa(lib, t.float(), t.float(), t.float(), lib.zeros(4, 4, dtype=lib.int64))
        if case == "rank":
            return _sdpa(lib, t[0, 0, 0], t[0, 0, 0], t[0, 0, 0])
        if case == "dropout":
            return _sdpa(lib, t, t, t, dropout_p=1.5)
        if case == "integer":
            return _sdpa(lib, t.long(), t.long(), t.long())
        if case == "gqa":
            return _sdpa(lib, t, t[:, :2], t[:, :2], enable_gqa=True)
        if case == "head_dim":
            return _sdpa(lib, t, lib.tensor(randn(2, 3, 4, 6)), lib.tensor(randn(2, 3, 4, 6)))
        return _sdpa(lib, t, t, t, lib.zeros(3, 4, dtype=lib.float64))

    same_error(run)


def test_sdpa_mask_with_causal_is_refused():
    q = ember.tensor(randn(3, 4, 5))
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        _sdpa(ember, q, q, q, ember.zeros(4, 4, dtype=ember.float64), is_causal=True)


# -- nn.MultiheadAttention ----------------------------------------------------------------------------------------
def _mha_pair(*args, dtype=np.float64, **kwargs):
    e, t = ember.nn.MultiheadAttention(*args, **kwargs), torch.nn.MultiheadAttention(*args, **kwargs)
    if dtype == np.float64:
        e, t = e.double(), t.double()
    copy_weights(e, t)
    return e, t


def _check_mha(e, t, arrays: dict, self_attn: bool, seed: int = 0, **kwargs):
    """Compare ``module(q, k, v, ...)``: outputs, weights, input and mask gradients, then parameter gradients."""
    names = list(arrays)
    modules = {"ember": e, "torch": t}

    def fn(lib, *xs):
        given = dict(zip(names, xs))
        q = given.pop("query")
        k, v = (q, q) if self_attn else (given.pop("key"), given.pop("value"))
        return modules[lib.__name__](q, k, v, **given, **kwargs)

    out = check(fn, *arrays.values(), seed=seed)
    t_params = dict(t.named_parameters())
    for name, p in e.named_parameters():
        tp = t_params.pop(name)
        if tp.grad is None:
            assert p.grad is None, name
        else:
            assert_close(p.grad, tp.grad)
    assert not t_params
    return out


def _masks(kind: str, N: int, H: int, L: int, S: int, batched: bool) -> dict:
    rng = np.random.default_rng(7)
    masked = rng.random((L, S)) < 0.3
    masked[:, 0] = False
    pad = np.zeros((N, S), dtype=bool)
    pad[:, -1] = True
    pad[0, -2] = True
    if not batched:
        pad = pad[0]
    if kind == "attn_bool":
        return {"attn_mask": masked}
    if kind == "attn_float3d":
        return {"attn_mask": randn(N * H if batched else H, L, S, seed=8)}
    if kind == "kpm_bool":
        return {"key_padding_mask": pad}
    if kind == "kpm_float":
        return {"key_padding_mask": np.where(pad, -1.5, 0.25)}
    if kind == "both":
        return {"attn_mask": masked, "key_padding_mask": pad}
    return {}


CASES = [  # constructor kwargs, masks, forward kwargs
    ({}, "none", {}),
    ({}, "none", {"need_weights": False}),
    ({}, "none", {"average_attn_weights": False}),
    ({"batch_first": True}, "none", {}),
    ({"batch_first": True}, "both", {"need_weights": False}),
    ({}, "attn_bool", {}),
    ({}, "attn_bool", {"need_weights": False}),
    ({}, "attn_float3d", {"average_attn_weights": False}),
    ({}, "kpm_bool", {}),
    ({}, "kpm_float", {"need_weights": False}),
    ({}, "both", {}),
    ({"bias": False}, "kpm_bool", {}),
    ({"add_bias_kv": True}, "both", {}),
    ({"add_bias_kv": True}, "attn_bool", {"need_weights": False}),
    ({"add_zero_attn": True}, "both", {"average_attn_weights": False}),
    ({"add_zero_attn": True, "add_bias_kv": True}, "kpm_bool", {"need_weights": False}),
    ({"kdim": 3, "vdim": 5}, "none", {}),
    ({"kdim": 3, "vdim": 5, "batch_first": True}, "kpm_bool", {"need_weights": False}),
    ({"kdim": 3, "vdim": 5, "bias": False, "add_bias_kv": True}, "attn_bool", {}),
]


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("ctor,masks,fwd", CASES)
def test_multihead_attention_matches_torch(ctor, masks, fwd, batched):
    E, H, N, L, S = 6, 2, 3, 4, 5
    e, t = _mha_pair(E, H, **ctor)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)

    def shape(n, f):
        if not batched:
            return (n, f)
        return (N, n, f) if ctor.get("batch_first") else (n, N, f)

    arrays = {"query": randn(*shape(L, E), seed=1), "key": randn(*shape(S, kdim), seed=2),
              "value": randn(*shape(S, vdim), seed=3)}
    arrays.update(_masks(masks, N, H, L, S, batched))
    _check_mha(e, t, arrays, self_attn=False, **fwd)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("fwd", [{}, {"need_weights": False}])
def test_multihead_self_attention(batch_first, fwd):
    # query is key is value: the packed projection runs once
    e, t = _mha_pair(8, 4, batch_first=batch_first)
    x = randn(*((3, 5, 8) if batch_first else (5, 3, 8)), seed=1)
    _check_mha(e, t, {"query": x, **_masks("kpm_bool", 3, 4, 5, 5, True)}, self_attn=True, **fwd)


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_causal(need_weights):
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)
    e, t = _mha_pair(6, 3)
    _check_mha(e, t, {"query": randn(4, 2, 6, seed=1), "attn_mask": causal}, self_attn=True,
               need_weights=need_weights, is_causal=True)


def test_multihead_attention_float32():
    e, t = _mha_pair(8, 2, dtype=np.float32, kdim=4)
    out = _check_mha(e, t, {"query": randn(3, 2, 8, dtype=np.float32, seed=1),
                            "key": randn(5, 2, 4, dtype=np.float32, seed=2),
                            "value": randn(5, 2, 8, dtype=np.float32, seed=3)}, self_attn=False)
    assert out[0].dtype == out[1].dtype == ember.float32


def test_multihead_attention_eval_fast_path_agrees():
    # torch answers this case (eval, no grad, batch-first self-attention) with its fused kernel
    e, t = _mha_pair(8, 2, batch_first=True, dropout=0.3)
    e.eval(), t.eval()
    x = randn(2, 5, 8, seed=1)
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, 3:] = True
    with torch.no_grad(), ember.no_grad():
        te, tt = ember.tensor(x), torch.tensor(x)
        for a, b in zip(e(te, te, te, key_padding_mask=ember.tensor(pad)),
                        t(tt, tt, tt, key_padding_mask=torch.tensor(pad))):
            assert_close(a, b)


def test_multihead_attention_dropout_in_training():
    e = ember.nn.MultiheadAttention(8, 2, dropout=0.5).double()
    x = ember.tensor(randn(4, 3, 8))
    _, w1 = e(x, x, x, average_attn_weights=False)
    _, w2 = e(x, x, x, average_attn_weights=False)
    w1, w2 = w1.detach().numpy(), w2.detach().numpy()
    assert not np.allclose(w1, w2)
    assert (w1 == 0).mean() > 0.2  # dropped weights are zero, the rest doubled
    e.eval()
    _, w3 = e(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(w3.detach().numpy().sum(-1), 1.0)


def test_multihead_attention_fully_padded_row():
    # the explicit (need_weights) path gives NaN for a batch entry with every key padded; SDPA's gives zeros
    e, t = _mha_pair(4, 2)
    x = randn(3, 2, 4)
    pad = np.array([[True, True, True], [False, True, False]])
    for need_weights in (True, False):
        outs = [m(lib.tensor(x), lib.tensor(x), lib.tensor(x), key_padding_mask=lib.tensor(pad),
                  need_weights=need_weights) for m, lib in ((e, ember), (t, torch))]
        assert_close(outs[0][0], outs[1][0])
        if need_weights:
            assert_close(outs[0][1], outs[1][1])


def test_multi_head_attention_forward_static_kv():
    E, H, N, L, S = 4, 2, 2, 3, 5

    def fn(lib, q, w, b, ow, sk, sv):
        return lib.nn.functional.multi_head_attention_forward(q, q, q, E, H, w, b, None, None, False, 0.0, ow, None,
                                                              static_k=sk, static_v=sv)

    check(fn, randn(L, N, E, seed=1), randn(3 * E, E, seed=2), randn(3 * E, seed=3), randn(E, E, seed=4),
          randn(N * H, S, E // H, seed=5), randn(N * H, S, E // H, seed=6))


@pytest.mark.parametrize("ctor", [{}, {"bias": False}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True},
                                  {"kdim": 3, "add_bias_kv": True, "bias": False, "batch_first": True}])
def test_multihead_attention_repr_and_state_dict(ctor):
    e, t = ember.nn.MultiheadAttention(6, 3, **ctor), torch.nn.MultiheadAttention(6, 3, **ctor)
    assert repr(e) == repr(t)
    assert {k: tuple(v.shape) for k, v in e.state_dict().items()} == \
           {k: tuple(v.shape) for k, v in t.state_dict().items()}
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert type(e.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(e.out_proj, ember.nn.Linear)
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first", "add_zero_attn",
                 "_qkv_same_embed_dim"):
        assert getattr(e, attr) == getattr(t, attr), attr
    if ctor.get("bias", True):  # biases start at zero, weights ~ xavier_uniform
        assert (e.in_proj_bias.detach().numpy() == 0).all() and (e.out_proj.bias.detach().numpy() == 0).all()
    w = (e.in_proj_weight if e._qkv_same_embed_dim else e.k_proj_weight).detach().numpy()
    bound = np.sqrt(6 / sum(w.shape))
    assert np.abs(w).max() <= bound and w.std() > bound / 4


@pytest.mark.parametrize("fwd,batch_first,batched", [({}, False, True), ({"average_attn_weights": False}, False, True),
                                                     ({"need_weights": False}, False, True), ({}, True, True),
                                                     ({}, False, False)])
def test_multihead_attention_grad_fn_names(fwd, batch_first, batched):
    names = []
    for lib in (ember, torch):
        m = lib.nn.MultiheadAttention(4, 2, batch_first=batch_first)
        x = lib.tensor(randn(3, 2, 4, dtype=np.float32) if batched else randn(3, 4, dtype=np.float32),
                       requires_grad=True)
        out, w = m(x, x, x, **fwd)
        names.append((out.grad_fn.name(), None if w is None else w.grad_fn.name()))
    assert names[0] == names[1]


@pytest.mark.parametrize("case", ["zero_heads", "indivisible"])
def test_multihead_attention_constructor_errors(case):
    args = (0, 2) if case == "zero_heads" else (6, 4)
    same_error(lambda lib: lib.nn.MultiheadAttention(*args))


@pytest.mark.parametrize("case", ["query_rank", "key_rank", "embed_dim", "kv_shapes", "attn_2d", "attn_3d",
                                  "attn_rank", "kpm_rank", "kpm_shape", "int_mask", "causal_without_mask",
                                  "unbatched_attn_3d"])
def test_multihead_attention_forward_errors(case):
    def run(lib):
        m = lib.nn.MultiheadAttention(4, 2).double()
        x = lib.tensor(randn(3, 2, 4))
        kw = {}
        q = k = v = x
        if case == "query_rank":
            q = k = v = x[None]
        elif case == "key_rank":
            k = x[0]
        elif case == "embed_dim":
            q = k = v = lib.tensor(randn(3, 2, 5))
        elif case == "kv_shapes":
            v = lib.tensor(randn(4, 2, 4))
        elif case == "attn_2d":
            kw["attn_mask"] = lib.zeros(3, 4, dtype=lib.bool)
        elif case == "attn_3d":
            kw["attn_mask"] = lib.zeros(2, 3, 3, dtype=lib.bool)
        elif case == "attn_rank":
            kw["attn_mask"] = lib.zeros(3, dtype=lib.bool)
        elif case == "kpm_rank":
            kw["key_padding_mask"] = lib.zeros(3, dtype=lib.bool)
        elif case == "kpm_shape":
            kw["key_padding_mask"] = lib.zeros(2, 4, dtype=lib.bool)
        elif case == "int_mask":
            kw["attn_mask"] = lib.zeros(3, 3, dtype=lib.int64)
        elif case == "causal_without_mask":
            kw["is_causal"] = True
        else:
            q = k = v = x[:, 0]
            kw["attn_mask"] = lib.zeros(4, 3, 3, dtype=lib.bool)
        return m(q, k, v, **kw)

    same_error(run)


def test_multihead_attention_mismatched_mask_types_warn():
    m = ember.nn.MultiheadAttention(4, 2)
    x = ember.randn(3, 2, 4)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=ember.zeros(2, 3, dtype=ember.bool), attn_mask=ember.zeros(3, 3))
