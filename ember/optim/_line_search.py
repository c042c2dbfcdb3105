"""The strong-Wolfe line search L-BFGS uses (minFunc's bracketing and zoom with cubic interpolation)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def cubic_minimizer(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, f1') and (x2, f2, f2'), clamped to ``bounds`` (default: the
    two points); the bounds' midpoint when the cubic has no real minimiser."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


class _Point:
    """A trial step ``t`` with its loss, flat gradient and directional derivative."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(evaluate: Callable, x, t, d: np.ndarray, f: float, g: np.ndarray, gtd, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions; ``evaluate(x, t, d)`` gives
    ``(loss, flat_grad)`` at ``x + t d``. Returns ``(loss, flat_grad, t, evaluations)``."""
    d_norm = np.abs(d).max()
    start = _Point(0, f, np.array(g), gtd)

    def trial(step) -> _Point:
        f_new, g_new = evaluate(x, step, d)
        return _Point(step, f_new, g_new, g_new.dot(d))

    new = trial(t)
    evals = 1
    prev = start
    done = False
    bracket = None
    ls_iter = 0
    while ls_iter < max_ls:
        if new.f > f + c1 * new.t * gtd or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket = [new]
            done = True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        # extrapolate: the cubic's minimiser between 1.01 t and 10 t past the last point
        step = cubic_minimizer(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                               bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev = new
        new = trial(step)
        evals += 1
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [start, new]

    # zoom: shrink the bracket until a point satisfies the conditions
    insufficient_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and ls_iter < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        step = cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t_max, t_min = max(a.t, b.t), min(a.t, b.t)
        eps = 0.1 * (t_max - t_min)
        if min(t_max - step, step - t_min) < eps:
            # too close to an end: after a second such step, or at the end itself, move 10% inside
            if insufficient_progress or step >= t_max or step <= t_min:
                step = t_max - eps if abs(step - t_max) < abs(step - t_min) else t_min + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new = trial(step)
        evals += 1
        ls_iter += 1
        if new.f > f + c1 * new.t * gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evals
