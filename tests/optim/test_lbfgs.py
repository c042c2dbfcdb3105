"""LBFGS against torch: trajectories with and without the strong-Wolfe line search, over its options."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

from .helpers import assert_params_close, closure_for, loss_fn, make_data, make_params, train

GRID = [
    dict(),
    dict(lr=0.5, history_size=3),
    dict(max_iter=4, history_size=5),
    dict(max_iter=7, max_eval=9, tolerance_grad=1e-4),
    dict(tolerance_change=1e-3),
    dict(line_search_fn="strong_wolfe"),
    # large first steps make the line search bracket and zoom (more evaluations than iterations)
    dict(line_search_fn="strong_wolfe", lr=3.0),
    dict(line_search_fn="strong_wolfe", lr=10.0, history_size=2, max_iter=6),
    dict(line_search_fn="strong_wolfe", lr=50.0, max_iter=5),
    dict(line_search_fn="strong_wolfe", lr=0.3, max_eval=12, tolerance_grad=1e-5),
]
# float32 rounding differences (NumPy's and torch's dot products sum in different orders) grow through the
# quasi-Newton iterations, so float32 is compared on short runs only
GRID_FLOAT32 = [options for options in GRID if options.get("max_iter", 20) <= 7]


def _ids(options: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in options.items()) or "defaults"


def _make(options: dict):
    return lambda lib, params: lib.optim.LBFGS(params, **options)


def _compare(options: dict, steps: int, dtype) -> None:
    results = []
    for lib in (ember, torch):
        params, opt = train(lib, _make(options), steps=steps, dtype=dtype)
        state = opt.state[params[0]]
        results.append((params, state["func_evals"], state["n_iter"], len(state["old_dirs"])))
    assert_params_close(results[0][0], results[1][0], dtype)
    assert results[0][1:] == results[1][1:], "func_evals, n_iter, history length"


@pytest.mark.parametrize("options", GRID, ids=_ids)
def test_trajectory_matches_torch(options):
    """Two outer steps (each up to ``max_iter`` iterations) in float64 land on torch's parameters, after the same
    numbers of function evaluations and iterations."""
    _compare(options, steps=2, dtype=np.float64)


@pytest.mark.parametrize("options", GRID_FLOAT32, ids=_ids)
def test_float32_trajectory_matches_torch(options):
    _compare(options, steps=1, dtype=np.float32)


def test_line_search_evaluates_more_than_once_per_iteration():
    """The grid really exercises the strong-Wolfe bracketing and zoom phases."""
    params, opt = train(ember, _make(dict(line_search_fn="strong_wolfe", lr=3.0)), steps=1)
    state = opt.state[params[0]]
    assert state["func_evals"] > state["n_iter"] + 3


def test_loss_decreases_and_step_returns_the_first_loss():
    params = make_params(ember)
    x, y = make_data(ember)
    opt = ember.optim.LBFGS(params, line_search_fn="strong_wolfe")
    closure = closure_for(opt, params, x, y)
    first = float(loss_fn(params, x, y))
    returned = opt.step(closure)
    assert float(returned) == pytest.approx(first)
    assert float(loss_fn(params, x, y)) < 0.5 * first


@pytest.mark.parametrize("options", [dict(), dict(line_search_fn="strong_wolfe")], ids=_ids)
def test_state_dict_resumes_and_crosses_to_torch(options):
    """Two steps, save, load into a fresh LBFGS (ember and torch), two more: the uninterrupted trajectory."""
    from .test_optimizer_state import to_lib

    full, _ = train(ember, _make(options), steps=4)
    params, opt = train(ember, _make(options), steps=2)
    saved = opt.state_dict()
    for lib in (ember, torch):
        fresh = [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
        resumed = lib.optim.LBFGS(fresh, **options)
        resumed.load_state_dict(to_lib(lib, saved))
        resumed_params, _ = train(lib, None, steps=2, params=fresh, opt=resumed)
        assert_params_close(resumed_params, full)


def test_without_gradient_returns_at_once():
    """A closure that leaves every gradient at zero (below ``tolerance_grad``) stops after one evaluation."""
    p = ember.tensor(np.ones(3), requires_grad=True)
    opt = ember.optim.LBFGS([p])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (p * 0).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert len(calls) == 1 and np.array_equal(p.detach().numpy(), np.ones(3))


def test_unknown_line_search_raises_like_torch():
    texts = []
    for lib in (ember, torch):
        params = make_params(lib)
        x, y = make_data(lib)
        opt = lib.optim.LBFGS(params, line_search_fn="backtracking")
        with pytest.raises(RuntimeError) as info:
            opt.step(closure_for(opt, params, x, y))
        texts.append(str(info.value))
    assert texts[0] == texts[1] == "only 'strong_wolfe' is supported"


def test_rejects_parameter_groups():
    for lib in (ember, torch):
        params = make_params(lib)
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": params[:2]}, {"params": params[2:]}])
