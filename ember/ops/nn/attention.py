"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward`` (``nn.MultiheadAttention``).

Both are composed from differentiable ops (matmul, softmax, dropout, linear), so their gradients, double backward
included, come from those ops. Masks become additive float tensors: ``0`` where attention is allowed, ``-inf``
where it is not. Boolean masks mean opposite things in the two: ``True`` *takes part* in SDPA's ``attn_mask``, but
is *masked out* in multi-head attention's ``attn_mask`` and ``key_padding_mask`` (PyTorch's conventions).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..products import _Matmul, matmul, matmul_node
from .dropout import dropout
from .linear import linear
from .padding import pad
from ..reduce import _type_name, softmax
from ..._dtype import _cpp_type_name, is_real_floating
from ..shape import cat
from ..._tensor import wrap

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


class ScaledDotProductFlashAttentionForCpuBackward0(_Matmul):
    """The last product (weights @ value) of ``scaled_dot_product_attention`` on 4-D inputs, where PyTorch runs its
    fused CPU kernel: ember's graph below this node is the composite one (PyTorch's node reads q, k, v)."""


def _const(array: np.ndarray):
    return wrap(array)


def _additive(keep: np.ndarray, dtype) -> np.ndarray:
    """A boolean "may attend" array as an additive mask: 0 where True, -inf where False, in ``dtype``."""
    out = np.zeros(keep.shape, dtype=dtype)
    out[~keep] = -np.inf
    return out


def _check_sdpa(query, key, value, attn_mask, dropout_p: float, is_causal: bool, enable_gqa: bool) -> None:
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    dts = [t._data.dtype for t in (query, key, value)]
    q_c, k_c, v_c = (_cpp_type_name(d) for d in dts)
    if not dts[0] == dts[1] == dts[2]:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{q_c} key.dtype: {k_c} and value.dtype: {v_c} instead.")
    if not is_real_floating(dts[0]):
        raise RuntimeError(f"expected scalar type Float but found {_type_name(dts[0])}")
    if attn_mask is not None:
        mdt = attn_mask._data.dtype
        if mdt != np.bool_ and mdt != dts[0]:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {_cpp_type_name(mdt)} and  query.dtype: {q_c} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa and query.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hq % hk:
            # PyTorch 2.13's message, cut short as it prints it
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")


def _repeat_heads(t, repeats: int):
    """``t.repeat_interleave(repeats, dim=-3)``: each key/value head serves ``repeats`` query heads."""
    if repeats == 1:
        return t
    shape = tuple(t.shape)
    wide = t.unsqueeze(-3).expand(*shape[:-2], repeats, *shape[-2:])
    return wide.reshape(*shape[:-3], shape[-3] * repeats, *shape[-2:])


def _weights(q, k, bias, dropout_p: float, safe: bool):
    """The attention weights ``dropout(softmax(q k^T + bias))`` on ``q`` already scaled.

    ``safe`` (SDPA's convention) gives rows whose every score is -inf zero weights instead of NaN: their scores
    are zeroed before the softmax (so no NaN enters the graph, not even in the gradient) and their weights after.
    """
    scores = matmul(q, k.transpose(-2, -1))
    if bias is not None:
        scores = scores + bias
    dead = None
    if safe and bias is not None:
        dead = np.isneginf(scores._data).all(-1, keepdims=True)
        if dead.any():
            dead = _const(dead)
            scores = scores.masked_fill(dead, 0.0)
        else:
            dead = None
    with np.errstate(invalid="ignore"):  # an all -inf row is NaN without a word, as in PyTorch
        weights = softmax(scores, -1)
    if dead is not None:
        weights = weights.masked_fill(dead, 0.0)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    return weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False):
    """``softmax(Q K^T * scale + mask) V`` over the last two dims: query ``(..., L, E)``, key ``(..., S, E)``,
    value ``(..., S, Ev)``, output ``(..., L, Ev)``.

    ``attn_mask`` broadcasts to ``(..., L, S)``: a bool mask marks with True the positions that take part, a float
    mask is added to the scores. ``is_causal`` lets query ``i`` see keys ``j <= i`` (top-left aligned). ``scale``
    defaults to ``1 / sqrt(E)``. ``dropout_p`` drops attention weights (always: there is no training flag).
    ``enable_gqa`` lets key and value have fewer heads (dim -3) than query, each shared by a group of query heads.
    Rows with nothing to attend to give zeros.
    """
    _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    dt = query._data.dtype
    L, S = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    bias = None
    if is_causal:
        bias = _const(_additive(np.tri(L, S, dtype=bool), dt))
    elif attn_mask is not None:
        bias = _const(_additive(attn_mask._data, dt)) if attn_mask._data.dtype == np.bool_ else attn_mask
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key = _repeat_heads(key, query.shape[-3] // key.shape[-3])
        value = _repeat_heads(value, query.shape[-3] // value.shape[-3])
    weights = _weights(query * factor, key, bias, dropout_p, safe=True)
    node = matmul_node(weights, value)
    # PyTorch runs its fused CPU kernel (one graph node) on 4-D inputs without dropout or a trainable mask
    if query.ndim == 4 and dropout_p == 0.0 and L > 0 and (attn_mask is None or not attn_mask.requires_grad):
        node = ScaledDotProductFlashAttentionForCpuBackward0
    return node.apply(weights, value)


# -- multi-head attention ----------------------------------------------------------------------------------------
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """Check the ranks of the inputs and masks; True for a batched (3-D) query."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.ndim}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")


def _canonical_mask(mask, mask_name: str, other, other_name: str, dtype, check_other: bool = True):
    """A bool mask (True = masked out) as an additive float mask in ``dtype``; a float mask as it is."""
    if mask is None:
        return None
    mdt = mask._data.dtype
    if mdt != np.bool_ and not is_real_floating(mdt):
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other is not None and other._data.dtype != mdt:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if mdt == np.bool_:
        return _const(_additive(~mask._data, dtype))
    return mask


def _in_projection_packed(q, k, v, w, b):
    """q, k, v through the stacked ``(3E, E)`` weight: one GEMM for self-attention, two when key is value."""
    E = q.shape[-1]
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, -1)
        w_q, w_kv = w.split([E, 2 * E])
        b_q, b_kv = (None, None) if b is None else b.split([E, 2 * E])
        return (linear(q, w_q, b_q),) + linear(k, w_kv, b_kv).chunk(2, -1)
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v):
    """q, k, v through their own weights (key and value dims may differ from the query's)."""
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)), ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _static(t, name: str, rows: int, head_dim: int):
    if t.shape[0] != rows:
        raise AssertionError(f"expecting {name}.size(0) of {rows}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]}")
    return t


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight, out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None, use_separate_proj_weight: bool = False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True, is_causal: bool = False):
    """The computation of ``nn.MultiheadAttention``: project, split heads, attend, merge heads, project.

    query ``(L, N, E)`` (or ``(L, E)`` unbatched), key ``(S, N, Ek)``, value ``(S, N, Ev)``. Returns
    ``(attn_output (L, N, E), attn_weights)``; the weights are ``(N, L, S)`` averaged over heads, ``(N, H, L, S)``
    per head, or None without ``need_weights``. ``attn_mask`` is ``(L, S)`` or ``(N*H, L, S)``,
    ``key_padding_mask`` ``(N, S)``; bool masks mark with True the positions that may *not* be attended to.
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    dt = query._data.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", dt)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # SDPA builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)

    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # heads side by side in the batch dim: (N*H, L, head_dim)
    rows = bsz * num_heads
    q = q.reshape(tgt_len, rows, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], rows, head_dim).transpose(0, 1) if static_k is None
         else _static(static_k, "static_k", rows, head_dim))
    v = (v.reshape(v.shape[0], rows, head_dim).transpose(0, 1) if static_v is None
         else _static(static_v, "static_v", rows, head_dim))
    if add_zero_attn:
        zeros = _const(np.zeros((rows, 1, head_dim), dtype=k._data.dtype))
        k, v = cat([k, zeros], 1), cat([v, zeros.to(v.dtype)], 1)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = (key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
                            .reshape(rows, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        # PyTorch's explicit path: plain softmax, so a row with nothing to attend to is NaN here
        weights = _weights(q * math.sqrt(1.0 / float(head_dim)), k, attn_mask, dropout_p, safe=False)
        out = matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.shape[1])
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 and attn_mask.ndim == 3
                     else attn_mask.view(bsz, num_heads, -1, src_len))
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.shape[1])
    if not batched:
        out = out.squeeze(1)
    return out, None
