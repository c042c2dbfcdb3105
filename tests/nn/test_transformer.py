"""nn.TransformerEncoderLayer/DecoderLayer, TransformerEncoder/Decoder and nn.Transformer against PyTorch, with
torch's weights copied into ember: outputs and gradients of the inputs and every parameter over grids of
batch_first, norm_first, activation, bias and masks; state_dict both ways, reprs, the causal mask, and errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import assert_close, check, copy_weights, randn, same_error

E, H, FF = 8, 2, 12
S, T, N = 5, 4, 3
F32 = dict(rtol=1e-4, atol=1e-5)


@pytest.fixture(autouse=True, scope="module")
def _torch_one_thread():
    """Torch's thread pool only costs time on these tiny shapes (most of this file's run time when it spins)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _pair(build, dtype=np.float64, seed: int = 0):
    """The same module built by ``build(lib)`` in ember and torch, torch's weights copied into ember."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's enable_nested_tensor notice
        t_mod = build(torch)
    e_mod = build(ember)
    if dtype == np.float64:
        t_mod, e_mod = t_mod.double(), e_mod.double()
    copy_weights(e_mod, t_mod)
    return {"ember": e_mod, "torch": t_mod}


def _check_call(mods, call, *inputs, **tol):
    """``call(lib, module, *tensors)`` compared by the oracle, then every parameter's gradient by name."""
    check(lambda lib, *xs: call(lib, mods[lib.__name__], *xs), *inputs, **tol)
    t_params = dict(mods["torch"].named_parameters())
    for name, p in mods["ember"].named_parameters():
        t = t_params.pop(name)
        assert (p.grad is None) == (t.grad is None), name
        if t.grad is not None:
            assert_close(p.grad, t.grad, **tol)
    assert not t_params, f"parameters missing in ember: {sorted(t_params)}"


def _seq(length, batch_first, dtype=np.float64, seed=1):
    x = randn(length, N, E, dtype=dtype, seed=seed)
    return np.ascontiguousarray(x.transpose(1, 0, 2)) if batch_first else x


def _causal(lib, n, kind, dtype=np.float64):
    """The square subsequent mask as a float mask (-inf above the diagonal) or a bool one (True above it)."""
    if kind == "bool":
        return lib.tensor(np.triu(np.ones((n, n), bool), 1))
    return lib.tensor(np.triu(np.full((n, n), -np.inf), 1).astype(dtype))


def _pad_array(n):
    """Key padding ``(N, n)``: sample 1 pads its last two positions, sample 2 its last one."""
    pad = np.zeros((N, n), bool)
    pad[1, -2:] = True
    pad[2, -1] = True
    return pad


def _padding(lib, n, kind, dtype=np.float64):
    pad = _pad_array(n)
    if kind == "bool":
        return lib.tensor(pad)
    return lib.tensor(np.where(pad, -np.inf, 0.0).astype(dtype))


def _act(lib, activation):
    if activation == "module":
        return lib.nn.GELU(approximate="tanh")
    if activation == "callable":
        return lib.nn.functional.silu
    return activation


# -- encoder layer ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first,norm_first,activation,bias,masks", [
    *((bf, nf, "relu", True, m) for bf in (False, True) for nf in (False, True)
      for m in ("none", "causal_float", "causal_bool", "pad_bool", "pad_float", "both", "is_causal")),
    *((bf, nf, act, bias, "both") for bf, nf in ((False, True), (True, False))
      for act, bias in (("gelu", False), ("callable", True), ("module", True), ("relu", False)))])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation, bias, masks):
    mods = _pair(lambda lib: lib.nn.TransformerEncoderLayer(E, H, FF, 0.0, _act(lib, activation),
                                                            batch_first=batch_first, norm_first=norm_first,
                                                            bias=bias))
    kind = masks.split("_")[-1]

    def call(lib, mod, x):
        kw = {}
        if masks in ("causal_float", "causal_bool", "both", "is_causal"):
            kw["src_mask"] = _causal(lib, S, "bool" if kind == "bool" else "float")
        if masks in ("pad_bool", "pad_float", "both"):
            kw["src_key_padding_mask"] = _padding(lib, S, "bool" if kind == "bool" else "float")
        return mod(x, is_causal=masks == "is_causal", **kw)

    _check_call(mods, call, _seq(S, batch_first))


def test_encoder_layer_unbatched_float32_and_eval_dropout():
    mods = _pair(lambda lib: lib.nn.TransformerEncoderLayer(E, H, FF, 0.3), dtype=np.float32)
    for m in mods.values():
        m.eval()
    x = randn(S, E, dtype=np.float32)
    _check_call(mods, lambda lib, mod, x: mod(x, src_mask=_causal(lib, S, "float", np.float32)), x, **F32)


def test_encoder_layer_training_dropout_is_random_but_shaped():
    layer = ember.nn.TransformerEncoderLayer(E, H, FF, 0.5)
    x = ember.tensor(_seq(S, False, np.float32))
    ember.manual_seed(0)
    a = layer(x)
    ember.manual_seed(1)
    b = layer(x)
    assert a.shape == (S, N, E) and not np.allclose(a.detach().numpy(), b.detach().numpy())


# -- decoder layer ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first,norm_first,activation,bias,masks", [
    *((bf, nf, "relu", True, m) for bf in (False, True) for nf in (False, True)
      for m in ("none", "causal_float", "all_bool", "all_float", "is_causal")),
    *((bf, nf, act, bias, "all_bool") for bf, nf in ((False, True), (True, False))
      for act, bias in (("gelu", False), ("callable", True), ("module", True)))])
def test_decoder_layer_matches_torch(batch_first, norm_first, activation, bias, masks):
    mods = _pair(lambda lib: lib.nn.TransformerDecoderLayer(E, H, FF, 0.0, _act(lib, activation),
                                                            batch_first=batch_first, norm_first=norm_first,
                                                            bias=bias))
    kind = "bool" if masks == "all_bool" else "float"

    def call(lib, mod, tgt, mem):
        kw = {}
        if masks != "none":
            kw["tgt_mask"] = _causal(lib, T, kind)
        if masks.startswith("all"):
            kw["tgt_key_padding_mask"] = _padding(lib, T, kind)
            kw["memory_key_padding_mask"] = _padding(lib, S, kind)
            mm = np.zeros((T, S), bool)
            mm[0, 1] = True
            kw["memory_mask"] = lib.tensor(mm if kind == "bool" else np.where(mm, -np.inf, 0.0))
        return mod(tgt, mem, tgt_is_causal=masks == "is_causal", **kw)

    _check_call(mods, call, _seq(T, batch_first), _seq(S, batch_first, seed=2))


# -- stacks ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("masks", ["none", "causal_detected", "causal_hint", "pad_bool", "both_float"])
def test_encoder_matches_torch(batch_first, norm, masks):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(E, H, FF, 0.0, batch_first=batch_first)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(E) if norm else None, enable_nested_tensor=False)

    mods = _pair(build)

    def call(lib, mod, x):
        kw = {}
        if masks.startswith("causal") or masks == "both_float":
            kw["mask"] = lib.nn.Transformer.generate_square_subsequent_mask(S, dtype=lib.float64)
        if masks == "causal_hint":
            kw["is_causal"] = True
        if masks in ("pad_bool", "both_float"):
            kw["src_key_padding_mask"] = _padding(lib, S, "bool" if masks == "pad_bool" else "float")
        return mod(x, **kw)

    _check_call(mods, call, _seq(S, batch_first))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "causal_detected", "bool_all"])
def test_decoder_matches_torch(batch_first, masks):
    def build(lib):
        layer = lib.nn.TransformerDecoderLayer(E, H, FF, 0.0, "gelu", batch_first=batch_first, norm_first=True)
        return lib.nn.TransformerDecoder(layer, 2, lib.nn.LayerNorm(E))

    mods = _pair(build)

    def call(lib, mod, tgt, mem):
        kw = {}
        if masks == "causal_detected":
            kw["tgt_mask"] = lib.nn.Transformer.generate_square_subsequent_mask(T, dtype=lib.float64)
        if masks == "bool_all":
            kw = dict(tgt_mask=_causal(lib, T, "bool"), tgt_key_padding_mask=_padding(lib, T, "bool"),
                      memory_key_padding_mask=_padding(lib, S, "bool"))
        return mod(tgt, mem, **kw)

    _check_call(mods, call, _seq(T, batch_first), _seq(S, batch_first, seed=2))


@pytest.mark.parametrize("batch_first,norm_first,bias", [(False, False, True), (True, True, False),
                                                         (True, False, True)])
def test_transformer_matches_torch(batch_first, norm_first, bias):
    mods = _pair(lambda lib: lib.nn.Transformer(E, H, 2, 2, FF, 0.0, batch_first=batch_first, norm_first=norm_first,
                                                bias=bias))

    def call(lib, mod, src, tgt):
        return mod(src, tgt, tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(T, dtype=lib.float64),
                   src_key_padding_mask=_padding(lib, S, "bool"), memory_key_padding_mask=_padding(lib, S, "bool"),
                   tgt_key_padding_mask=_padding(lib, T, "bool"))

    _check_call(mods, call, _seq(S, batch_first), _seq(T, batch_first, seed=2))


def test_transformer_float32_eval_unbatched_and_memory_mask():
    mods = _pair(lambda lib: lib.nn.Transformer(E, H, 1, 2, FF, 0.2, activation="gelu"), dtype=np.float32)
    for m in mods.values():
        m.eval()

    def call(lib, mod, src, tgt):
        mm = lib.tensor(np.where(np.eye(T, S, 1, dtype=bool), -np.inf, 0.0).astype(np.float32))
        return mod(src, tgt, src_mask=_causal(lib, S, "float", np.float32), memory_mask=mm, tgt_is_causal=False)

    _check_call(mods, call, randn(S, E, dtype=np.float32), randn(T, E, dtype=np.float32, seed=2), **F32)


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("aligned", [True, False])
def test_inference_matches_torch_fast_paths(norm, aligned):
    """Under no_grad in eval mode PyTorch runs its fused encoder layer and, with a padding mask at the ends of the
    rows, nested tensors (zeros at padded positions, before the final norm); ember gives the same output. Padding
    that is not at the ends keeps PyTorch off the nested path (values there, as ember's)."""
    mods = _pair(lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, H, FF, batch_first=True), 2,
                                                       lib.nn.LayerNorm(E) if norm else None), dtype=np.float32)
    x = _seq(S, True, np.float32)
    pad = _pad_array(S)
    if not aligned:
        pad[0, 1] = True
    outs = {}
    for name, lib in (("ember", ember), ("torch", torch)):
        mods[name].eval()
        with lib.no_grad():
            outs[name] = (mods[name](lib.tensor(x)), mods[name](lib.tensor(x), src_key_padding_mask=lib.tensor(pad)))
    assert_close(outs["ember"][0], outs["torch"][0], **F32)
    assert_close(outs["ember"][1], outs["torch"][1], **F32)
    assert (outs["torch"][1].numpy()[pad] == 0).all() == aligned  # a fresh LayerNorm keeps zero rows zero


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True), dict(batch_first=True, bias=False),
                                dict(batch_first=True, activation=lambda x: x), dict(nhead=1, batch_first=True)])
def test_nested_tensor_notice_and_flag_match_torch(kw):
    kw = {"nhead": H, **kw}
    flags = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, dim_feedforward=FF, **kw), 1)
        flags.append((enc.use_nested_tensor, [str(w.message) for w in caught if "nested" in str(w.message)]))
    assert flags[0] == flags[1]


def test_custom_encoder_and_decoder():
    def build(lib):
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, H, FF, 0.0), 1)
        dec = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(E, H, FF, 0.0), 1)
        return lib.nn.Transformer(E, H, dim_feedforward=FF, dropout=0.0, custom_encoder=enc, custom_decoder=dec)

    mods = _pair(build)
    assert mods["ember"].encoder.norm is None and len(mods["ember"].decoder.layers) == 1
    _check_call(mods, lambda lib, mod, src, tgt: mod(src, tgt), _seq(S, False), _seq(T, False, seed=2))


# -- state_dict, structure, reprs -------------------------------------------------------------------------------
def test_state_dict_round_trip_both_ways():
    mods = _pair(lambda lib: lib.nn.Transformer(E, H, 2, 1, FF, 0.0))
    e_mod, t_mod = mods["ember"], mods["torch"]
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    assert "encoder.layers.1.self_attn.in_proj_weight" in e_mod.state_dict()
    assert "decoder.layers.0.multihead_attn.out_proj.bias" in e_mod.state_dict()
    src, tgt = _seq(S, False), _seq(T, False, seed=2)
    expected = t_mod(torch.tensor(src), torch.tensor(tgt))
    assert_close(e_mod(ember.tensor(src), ember.tensor(tgt)), expected)
    # ember -> torch: a fresh ember model's weights give torch ember's outputs
    ember.manual_seed(3)
    fresh = ember.nn.Transformer(E, H, 2, 1, FF, 0.0).double()
    t_mod.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in fresh.state_dict().items()})
    assert_close(fresh(ember.tensor(src), ember.tensor(tgt)), t_mod(torch.tensor(src), torch.tensor(tgt)))


def test_layers_are_deep_copies():
    layer = ember.nn.TransformerEncoderLayer(E, H, FF)
    enc = ember.nn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == enc.num_layers == 3
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(enc.layers[2].linear1.weight.detach().numpy(), layer.linear1.weight.detach().numpy())
    assert enc.enable_nested_tensor is True and enc.mask_check is True


def test_reprs_match_torch():
    mods = _pair(lambda lib: lib.nn.Transformer(E, H, 1, 1, FF, 0.1, activation=lib.nn.GELU(), bias=False))
    assert repr(mods["ember"]) == repr(mods["torch"])
    mods = _pair(lambda lib: lib.nn.TransformerEncoderLayer(E, H, FF, layer_norm_eps=1e-6, norm_first=True))
    assert repr(mods["ember"]) == repr(mods["torch"])
    assert mods["ember"].activation_relu_or_gelu == mods["torch"].activation_relu_or_gelu == 1


def test_default_init_is_xavier_and_attributes():
    model = ember.nn.Transformer(16, 4, 1, 1, 32, dtype=ember.float64)
    assert (model.d_model, model.nhead, model.batch_first) == (16, 4, False)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (16 + 32))
    assert w.dtype == np.float64 and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


@pytest.mark.parametrize("sz,dtype", [(1, None), (4, "float64"), (3, "float32"), (3, "bool")])
def test_generate_square_subsequent_mask(sz, dtype):
    got = ember.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(ember, dtype))
    want = torch.nn.Transformer.generate_square_subsequent_mask(sz, dtype=dtype and getattr(torch, dtype))
    assert_close(got, want)
    assert not got.requires_grad


# -- errors -----------------------------------------------------------------------------------------------------
def _enc_layer(lib, **kw):
    torch.manual_seed(0)
    return lib.nn.TransformerEncoderLayer(E, H, FF, 0.0, **kw)


@pytest.mark.parametrize("case", ["divisible", "activation", "mask_shape", "mask_3d_shape", "mask_dtype",
                                  "pad_dtype", "pad_shape", "rank", "features", "causal_without_mask"])
def test_encoder_layer_errors(case):
    x = torch.randn(S, N, E).numpy()

    def run(lib):
        t = lib.tensor(x)
        if case == "divisible":
            lib.nn.TransformerEncoderLayer(10, 3)
        elif case == "activation":
            lib.nn.TransformerEncoderLayer(E, H, activation="tanh")
        elif case == "mask_shape":
            _enc_layer(lib)(t, src_mask=lib.zeros(3, 3))
        elif case == "mask_3d_shape":
            _enc_layer(lib)(t, src_mask=lib.zeros(N, S, S))
        elif case == "mask_dtype":
            _enc_layer(lib)(t, src_mask=lib.zeros(S, S, dtype=lib.int64))
        elif case == "pad_dtype":
            _enc_layer(lib)(t, src_key_padding_mask=lib.zeros(N, S, dtype=lib.int32))
        elif case == "pad_shape":
            _enc_layer(lib)(t, src_key_padding_mask=lib.zeros(N, S + 1, dtype=lib.bool))
        elif case == "rank":
            _enc_layer(lib)(t.unsqueeze(0))
        elif case == "features":
            _enc_layer(lib)(t[..., :6])
        else:
            _enc_layer(lib)(t, is_causal=True)

    same_error(run)


@pytest.mark.parametrize("case", ["batch", "features", "memory_mask_shape", "encoder_mask_dtype"])
def test_transformer_errors(case):
    src, tgt = torch.randn(S, N, E).numpy(), torch.randn(T, N, E).numpy()

    def run(lib):
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = lib.nn.Transformer(E, H, 1, 1, FF, 0.0)
        s, t = lib.tensor(src), lib.tensor(tgt)
        if case == "batch":
            model(s, t[:, :2])
        elif case == "features":
            model(s[..., :6], t)
        elif case == "memory_mask_shape":
            model(s, t, memory_mask=lib.zeros(S, T))
        else:
            model.encoder(s, mask=lib.zeros(S, S, dtype=lib.uint8))

    same_error(run)
