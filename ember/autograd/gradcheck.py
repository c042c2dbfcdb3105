"""Numerical gradient checks: finite differences against the analytic backward (and double backward)."""
from __future__ import annotations

import numpy as np

from .._tensor import wrap
from .api import grad as autograd_grad
from .grad_mode import enable_grad, no_grad


def _numerical_jacobian_vjp(fn, inputs, grad_out, eps):
    """Finite-difference estimate of sum(grad_out * fn(inputs)) derivative for each input needing grad."""
    result = []
    for t in inputs:
        if not (hasattr(t, "_data") and t.requires_grad):
            result.append(None)
            continue
        est = np.zeros(t.shape, dtype=np.float64)
        data = t._data
        with no_grad():
            for idx in np.ndindex(*data.shape):  # gradcheck is a test tool: one probe per element by design
                orig = data[idx]
                data[idx] = orig + eps
                plus = _dot(fn(*inputs), grad_out)
                data[idx] = orig - eps
                minus = _dot(fn(*inputs), grad_out)
                data[idx] = orig
                est[idx] = (plus - minus) / (2 * eps)
        result.append(est)
    return result


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _dot(out, grad_out) -> float:
    return float(sum(np.sum(o._data.astype(np.float64) * g) for o, g in zip(_outputs(out), grad_out)))


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Compare analytic gradients of ``func`` at ``inputs`` (float64 advised) with central differences."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = _outputs(func(*inputs))
    rng = np.random.default_rng(0)
    grad_out = [rng.standard_normal(o.shape) for o in outs]
    diff_inputs = [t for t in inputs if hasattr(t, "_data") and t.requires_grad]

    analytic = autograd_grad([o for o in outs], diff_inputs,
                             [wrap(g.astype(o._data.dtype)) for o, g in zip(outs, grad_out)], allow_unused=True)
    numeric = [n for n in _numerical_jacobian_vjp(func, inputs, grad_out, eps) if n is not None]
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a._data
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            if raise_exception:
                raise RuntimeError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                   f"numerical:{n}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **_ignored) -> bool:
    """gradcheck of the function (inputs, grad_outputs) -> first derivatives, built with create_graph=True."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = _outputs(func(*inputs))
    rng = np.random.default_rng(1)
    if grad_outputs is None:
        grad_outputs = [wrap(rng.standard_normal(o.shape).astype(o._data.dtype)).requires_grad_() for o in outs]
    n_in = len(inputs)

    @enable_grad()
    def first_derivatives(*args):
        primal, gouts = args[:n_in], args[n_in:]
        out = _outputs(func(*primal))
        d = [t for t in primal if hasattr(t, "_data") and t.requires_grad]
        return autograd_grad(out, d, list(gouts), create_graph=True, allow_unused=True)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
