"""The oracle: run the same expression on ember and on PyTorch 2.13 and compare values and gradients.

``check(fn, *inputs)`` calls ``fn(lib, *tensors)`` once with ``lib=ember`` and once with ``lib=torch``. Inputs are
NumPy arrays (copied into both libraries) or plain values (passed through). Float inputs require grad; the outputs
(a tensor or a tuple/list of tensors) are back-propagated with the same random ``grad_output`` in both, and every
input's gradient is compared. float64 is compared tightly, float32 loosely.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

TOL = {np.float64: dict(rtol=1e-7, atol=1e-9), np.float32: dict(rtol=1e-4, atol=1e-5),
       np.float16: dict(rtol=1e-2, atol=1e-3)}


def to_torch(x: ember.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.array(x.detach().numpy()))


def to_ember(x: torch.Tensor) -> ember.Tensor:
    return ember.tensor(x.detach().numpy())


def _leaf(lib, arr: np.ndarray, requires_grad: bool, noncontiguous: bool):
    """A leaf tensor holding ``arr``; noncontiguous makes it a strided view of a twice-as-wide leaf."""
    if noncontiguous and arr.ndim >= 1:
        wide = np.repeat(arr, 2, axis=-1)
        base = lib.tensor(wide, requires_grad=requires_grad)
        return base, base[..., ::2]
    t = lib.tensor(arr, requires_grad=requires_grad)
    return t, t


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def assert_close(actual, expected, dtype=None, **tol) -> None:
    """Compare an ember tensor (or array) with a torch tensor (or array): dtype, shape and values."""
    a = actual.detach().numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    e = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != torch's {e.shape}"
    assert a.dtype == e.dtype, f"dtype {a.dtype} != torch's {e.dtype}"
    if not tol:
        tol = TOL.get((dtype or a.dtype).type, dict(rtol=0, atol=0))
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a, e, equal_nan=True, **tol)


def check(fn, *inputs, grad: bool = True, noncontiguous: bool = False, seed: int = 0, **tol):
    """Compare ``fn(ember, *inputs)`` with ``fn(torch, *inputs)``: outputs, then every input's gradient.

    Returns the ember outputs so a test can add its own assertions.
    """
    results = {}
    rng = np.random.default_rng(seed)
    grad_outputs = None
    for lib in (ember, torch):
        leaves, args = [], []
        for x in inputs:
            if isinstance(x, np.ndarray):
                rg = grad and x.dtype.kind == "f"
                leaf, view = _leaf(lib, x, rg, noncontiguous)
                leaves.append(leaf if rg else None)
                args.append(view)
            else:
                leaves.append(None)
                args.append(x)
        outs = _outputs(fn(lib, *args))
        diff = [o for o in outs if isinstance(o, (ember.Tensor, torch.Tensor)) and o.requires_grad]
        if grad and diff:
            if grad_outputs is None:
                grad_outputs = [rng.standard_normal(tuple(o.shape)).astype(np.asarray(o.detach().numpy()).dtype)
                                for o in diff]
            lib.autograd.backward(diff, [lib.tensor(g) for g in grad_outputs])
        results[lib.__name__] = (outs, leaves)
    (e_outs, e_leaves), (t_outs, t_leaves) = results["ember"], results["torch"]
    assert len(e_outs) == len(t_outs)
    for e, t in zip(e_outs, t_outs):
        if isinstance(t, torch.Tensor):
            assert_close(e, t, **tol)
        else:
            assert e == t
    for i, (e, t) in enumerate(zip(e_leaves, t_leaves)):
        if t is None or t.grad is None:
            assert e is None or e.grad is None, f"input {i}: ember has a gradient, torch has none"
            continue
        assert e.grad is not None, f"input {i}: torch has a gradient, ember has none"
        assert_close(e.grad, t.grad, **tol)
    return e_outs


def check_node_names(fn, *inputs: np.ndarray, dtype=np.float64) -> list:
    """``check`` with the inputs cast to ``dtype``, then each output's autograd node name against PyTorch's
    (``None`` on both sides where an output has no node). Returns the ember outputs."""
    inputs = tuple(x.astype(dtype) for x in inputs)
    outs = check(fn, *inputs)
    t_outs = _outputs(fn(torch, *(torch.tensor(x, requires_grad=True) for x in inputs)))
    for e, t in zip(outs, t_outs):
        assert (e.grad_fn.name() if e.grad_fn else None) == (t.grad_fn.name() if t.grad_fn else None)
    return outs


def same_error(fn, *words: str) -> Exception:
    """``fn(lib)`` raises the same exception type on torch and on ember, with torch's message exactly (with 'torch'
    read as 'ember'; ember's extra context is in exception notes, not the message) and every one of ``words``.
    Returns ember's error."""
    errors = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        errors.append(info.value)
    t, e = errors
    assert type(e).__name__ == type(t).__name__, f"ember raised {e!r}, torch {t!r}"
    assert str(e) == str(t).replace("torch", "ember"), f"ember: {e}\ntorch: {t}"
    for w in words:
        assert w in str(e), f"{w!r} not in ember's message: {e}"
    return e


def randn(*shape, dtype=np.float64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def copy_weights(ember_module, torch_module) -> None:
    """Load the torch module's parameters and buffers into the ember module (through NumPy, by state_dict key)."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}
    ember_module.load_state_dict(state)


def check_module(ember_module, torch_module, *inputs, copy: bool = True, seed: int = 0, **tol):
    """Run the same input through an ember layer and its torch twin; compare outputs and every gradient.

    ``inputs`` are NumPy arrays (float ones require grad). With ``copy`` the torch weights are loaded into the
    ember module first. Compares the outputs, every input's gradient and every parameter's gradient by name.
    Returns the ember outputs.
    """
    if copy:
        copy_weights(ember_module, torch_module)
    modules = {"ember": ember_module, "torch": torch_module}
    out = check(lambda lib, *xs: modules[lib.__name__](*xs), *inputs, seed=seed, **tol)
    t_params = dict(torch_module.named_parameters())
    for name, p in ember_module.named_parameters():
        t = t_params.pop(name)
        if t.grad is None:
            assert p.grad is None, f"{name}: ember has a gradient, torch has none"
        else:
            assert p.grad is not None, f"{name}: torch has a gradient, ember has none"
            assert_close(p.grad, t.grad, **tol)
    assert not t_params, f"parameters missing in ember: {sorted(t_params)}"
    return out
