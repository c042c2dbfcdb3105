"""Draws from the gamma, Poisson and binomial laws, built on a generator's uniform and normal streams only.

Each sampler is vectorised rejection: every round redraws just the elements still rejected, so the loop runs a
handful of times, never once per element. ``gen`` is anything with ``uniform(low, high, shape, dtype)`` and
``normal(mean, std, shape, dtype)`` returning float64 arrays (``ember.Generator``).
"""
from __future__ import annotations

import numpy as np

from .special import lgamma


def standard_gamma(gen, alpha: np.ndarray) -> np.ndarray:
    """Gamma(alpha, 1) draws (Marsaglia and Tsang 2000; alpha < 1 boosted to alpha + 1 and scaled by U^(1/alpha))."""
    alpha = np.asarray(alpha, dtype=np.float64)
    boost = alpha < 1.0
    a = np.where(boost, alpha + 1.0, alpha)
    d = a - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty(alpha.shape)
    todo = np.flatnonzero(np.isfinite(alpha) & (alpha > 0))
    while todo.size:
        x = gen.normal(0.0, 1.0, todo.shape, np.float64)
        u = gen.uniform(0.0, 1.0, todo.shape, np.float64)
        v = 1.0 + c.flat[todo] * x
        with np.errstate(invalid="ignore", divide="ignore"):
            v3 = v * v * v
            ok = (v > 0) & (np.log(u) < 0.5 * x * x + d.flat[todo] * (1.0 - v3 + np.log(v3)))
        out.flat[todo[ok]] = d.flat[todo[ok]] * v3[ok]
        todo = todo[~ok]
    if boost.any():
        u = gen.uniform(0.0, 1.0, alpha.shape, np.float64)
        with np.errstate(divide="ignore"):
            out = np.where(boost, out * u ** (1.0 / np.where(boost, alpha, 1.0)), out)
    out[~(alpha > 0) & ~np.isnan(alpha)] = 0.0
    out[np.isnan(alpha)] = np.nan
    # PyTorch clamps draws away from 0 so that log-densities stay finite
    return np.maximum(out, np.finfo(np.float64).tiny)


def poisson(gen, rate: np.ndarray) -> np.ndarray:
    """Poisson(rate) draws: multiplication of uniforms below rate 10, Hoermann's PTRS rejection (1993) above."""
    lam = np.asarray(rate, dtype=np.float64)
    out = np.zeros(lam.shape)
    small = np.flatnonzero((lam > 0) & (lam < 10.0))
    if small.size:
        limit = np.exp(-lam.flat[small])
        prod = gen.uniform(0.0, 1.0, small.shape, np.float64)
        count = np.zeros(small.shape)
        live = prod > limit
        while live.any():
            count += live
            prod = np.where(live, prod * gen.uniform(0.0, 1.0, small.shape, np.float64), prod)
            live = prod > limit
        out.flat[small] = count
    todo = np.flatnonzero(lam >= 10.0)
    while todo.size:
        lm = lam.flat[todo]
        slam, loglam = np.sqrt(lm), np.log(lm)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        u = gen.uniform(0.0, 1.0, todo.shape, np.float64) - 0.5
        v = gen.uniform(0.0, 1.0, todo.shape, np.float64)
        us = 0.5 - np.abs(u)
        k = np.floor((2.0 * a / us + b) * u + lm + 0.43)
        with np.errstate(divide="ignore", invalid="ignore"):
            quick = (us >= 0.07) & (v <= vr)
            bad = (k < 0) | ((us < 0.013) & (v > us))
            slow = (np.log(v) + np.log(inv_alpha) - np.log(a / (us * us) + b)
                    <= -lm + k * loglam - lgamma(k + 1.0))
        ok = quick | (~bad & slow)
        out.flat[todo[ok]] = k[ok]
        todo = todo[~ok]
    out[np.isnan(lam)] = np.nan
    return out


def binomial(gen, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Binomial(count, prob) draws by Knuth's beta splitting (The Art of Computer Programming 3.4.1): while a count
    is large, a Beta(a, n + 1 - a) draw Y (the a-th smallest of n uniforms) decides on which side of p the a-th
    order statistic falls and leaves one smaller binomial; small counts then count uniforms below p. Each level
    halves the counts, so the loop runs log2(count) times."""
    n, p = np.broadcast_arrays(np.asarray(count, dtype=np.float64), np.asarray(prob, dtype=np.float64))
    n, p = n.copy(), p.copy()
    out = np.zeros(n.shape)
    small = 16.0
    while (n > small).any():
        big = np.flatnonzero(n > small)
        nb, pb = n.flat[big], p.flat[big]
        a = 1.0 + np.floor(nb / 2.0)
        b = nb + 1.0 - a
        ga, gb = standard_gamma(gen, a), standard_gamma(gen, b)
        y = ga / (ga + gb)
        above = y >= pb
        # the a-th order statistic is above p: the successes are among the a - 1 below it, with p / y
        # otherwise a successes plus those among the b - 1 above it, with (p - y) / (1 - y)
        out.flat[big] += np.where(above, 0.0, a)
        n.flat[big] = np.where(above, a - 1.0, b - 1.0)
        p.flat[big] = np.where(above, pb / y, (pb - y) / (1.0 - y))
    u = gen.uniform(0.0, 1.0, (int(small),) + n.shape, np.float64)
    trial = np.arange(small).reshape((-1,) + (1,) * n.ndim)
    out += ((u < p) & (trial < n)).sum(0)
    return out
