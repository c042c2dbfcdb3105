"""Random number generation: ``Generator``, ``manual_seed`` and the global default generator.

Streams are reproducible within ember (same seed, same numbers) but are not PyTorch's: PyTorch's Mersenne
Twister transforms are an implementation detail, and tests compare distributions, not draws.
"""
from __future__ import annotations

import numpy as np

from ._tensor import wrap

# PyTorch's default seed, so that a fresh process is reproducible without calling manual_seed
_DEFAULT_SEED = 67280421310721


class Generator:
    """A stream of random numbers (``ember.Generator().manual_seed(0)``)."""

    def __init__(self, device="cpu") -> None:
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed & 0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & 0x7FFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        state = repr(self._rng.bit_generator.state).encode()
        return wrap(np.frombuffer(state, dtype=np.uint8).copy())

    def set_state(self, state) -> "Generator":
        import ast

        self._rng.bit_generator.state = ast.literal_eval(bytes(state.tolist()).decode())
        return self

    # draws, as NumPy arrays in the requested dtype
    def uniform(self, low, high, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        if dtype in (np.float32, np.float64):
            out = self._rng.random(shape, dtype=dtype)
        else:
            out = self._rng.random(shape).astype(dtype)
        if low != 0 or high != 1:
            out *= dtype.type(high - low)
            out += dtype.type(low)
        return out

    def normal(self, mean, std, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        if dtype in (np.float32, np.float64):
            out = self._rng.standard_normal(shape, dtype=dtype)
        else:
            out = self._rng.standard_normal(shape).astype(dtype)
        if std != 1:
            out *= dtype.type(std)
        if mean != 0:
            out += dtype.type(mean)
        return out

    def integers(self, low, high, shape) -> np.ndarray:
        return self._rng.integers(low, high, shape, dtype=np.int64)

    def permutation(self, n: int) -> np.ndarray:
        return self._rng.permutation(n).astype(np.int64)

    def exponential(self, scale, shape) -> np.ndarray:
        return self._rng.exponential(scale, shape)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; returns it, like PyTorch."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from a non-deterministic source; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(state)
