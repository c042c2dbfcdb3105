"""L-BFGS: limited-memory quasi-Newton steps, optionally with a strong-Wolfe line search."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.grad_mode import enable_grad
from ._line_search import strong_wolfe
from .optimizer import Optimizer, _plain, check_lr

# the running quantities kept between calls to step(), stored as tensors under PyTorch's state keys (and in its
# order: "al" first, as PyTorch creates it inside the first step's loop)
_HISTORY_KEYS = ("al", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


class LBFGS(Optimizer):
    """L-BFGS (after minFunc). ``step(closure)`` runs up to ``max_iter`` iterations on the flattened parameters.

    The direction is ``-H g`` with ``H`` the two-loop-recursion inverse-Hessian estimate from the last
    ``history_size`` (s, y) pairs; the step is ``lr`` (the first one scaled by ``min(1, 1 / |g|_1)``), or what the
    ``'strong_wolfe'`` line search finds. One parameter group only.
    """

    def __init__(self, params, lr: float | Tensor = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.numel(), p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
                               for p in self._params])

    def _add_to_params(self, t, d: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += np.multiply(d[offset:offset + n].reshape(p._data.shape), t)
            p._bump()
            offset += n

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, value in zip(self._params, values):
            p._data[...] = value
            p._bump()

    def _evaluate_at(self, closure: Callable, x: list[np.ndarray], t, d: np.ndarray):
        """Loss and flat gradient at ``x + t * d``; the parameters are put back to ``x`` afterwards."""
        self._add_to_params(t, d)
        loss = float(closure())
        grad = self._flat_grad()
        self._set_params(x)
        return loss, grad

    def step(self, closure: Callable[[], Tensor]):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` must zero the gradients, recompute and return the
        loss (it is called with grad enabled). Returns the loss of the first evaluation."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = _plain(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        closure = enable_grad()(closure)
        # L-BFGS has only global state; it is filed under the first parameter so load_state_dict casts it
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        al, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss = (_unwrap(state.get(key))
                                                                                for key in _HISTORY_KEYS)
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = np.negative(flat_grad)
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                if al is None:
                    al = [None] * history_size
                d = _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag, al)
            prev_flat_grad = np.array(flat_grad)
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [np.array(p._data) for p in self._params]
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda x, step, direction: self._evaluate_at(closure, x, step, direction), x_init, t, d, loss,
                    flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_to_params(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # no re-evaluation after the last iteration: in a stochastic setting it would be wasted
                    loss = float(closure())
                    flat_grad = self._flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                    or np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break

        for key, value in zip(_HISTORY_KEYS, (al, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss)):
            if value is not None or key != "al":
                state[key] = _wrap(value)
        return orig_loss


def _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag, al) -> np.ndarray:
    """``-H g`` by the L-BFGS two-loop recursion over the stored (s, y) pairs; ``al`` is scratch space."""
    q = np.negative(flat_grad)
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= old_dirs[i] * al[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += old_stps[i] * (al[i] - be_i)
    return r


def _unwrap(value):
    """State as kept between steps (tensors) to what the iterations compute with (arrays and NumPy scalars)."""
    if isinstance(value, Tensor):
        return value._data if value.ndim else value._data[()]
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _wrap(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return wrap(np.asarray(value))
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value
