"""PyTorch's CPU engine: the 32-bit Mersenne Twister (mt19937) with PyTorch's seeding and state bookkeeping.

The engine's state lives in NumPy's MT19937 bit generator (the same reference algorithm, in C), which draws small
batches; large ones run in ember's compiled loop (``csrc/random.c``) on that same state. This module supplies what
PyTorch adds on top: seeding from a 64-bit seed
(``state[0] = seed mod 2**32``, Knuth's recurrence for the rest), the ``left``/``next`` counters PyTorch saves in
``get_rng_state``, and ``random64`` (two draws, the first one the high word).
"""
from __future__ import annotations

import numpy as np

N = 624
_MASK32 = 0xFFFFFFFF
# the compiled engine (``ops/kernels/random_native``, handed over by ``ember/__init__``), for draws of this many
# words or more: below that, NumPy's own generator costs less than moving its state in and out
_KERNELS = None
_COMPILED_FROM = 4096


def use_kernels(kernels) -> None:
    global _KERNELS
    _KERNELS = kernels


def compiled_kernels():
    """The compiled random kernels when they are at hand and switched on, else None (the NumPy forms run)."""
    return _KERNELS if _KERNELS is not None and _KERNELS.usable() else None


def seeded_key(seed: int) -> np.ndarray:
    """The 624-word state PyTorch's ``mt19937(seed)`` starts from (only the low 32 bits of the seed count)."""
    key = np.empty(N, dtype=np.uint32)
    x = seed & _MASK32
    key[0] = x
    for j in range(1, N):  # one step per state word at seeding time, not per random number
        x = (1812433253 * (x ^ (x >> 30)) + j) & _MASK32
        key[j] = x
    return key


class MT19937:
    """The engine: ``random()`` draws a 32-bit word, ``random64()`` a 64-bit one (high word first)."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        # full-range uint32 integers are the raw words, one each, written as uint32 (random_raw writes uint64 and
        # takes a third longer)
        self._words = np.random.Generator(self._bits).integers
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self.set(seeded_key(seed), left=1, next_=0)

    def set(self, key: np.ndarray, left: int, next_: int) -> None:
        """Restore PyTorch's (state, left, next): ``left == 1`` means the next draw twists first."""
        pos = N if left == 1 else next_
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": np.asarray(key, np.uint32), "pos": pos}}
        # PyTorch keeps next = 0 after seeding and next = 624 after a spent block: both read pos 624 here
        self._fresh = left == 1 and next_ == 0

    def get(self) -> tuple[np.ndarray, int, int]:
        """PyTorch's (state, left, next)."""
        st = self._bits.state["state"]
        pos = int(st["pos"])
        if pos == N:
            return st["key"].copy(), 1, 0 if self._fresh else N
        return st["key"].copy(), N + 1 - pos, pos

    def random(self, n: int) -> np.ndarray:
        """``n`` successive 32-bit draws."""
        if n <= 0:
            return np.empty(0, dtype=np.uint32)
        self._fresh = False
        kernels = compiled_kernels() if n >= _COMPILED_FROM else None
        if kernels is not None:
            state = self._bits.state
            key = np.array(state["state"]["key"], dtype=np.uint32)
            words, pos = kernels.mt19937_fill(key, int(state["state"]["pos"]), n)
            self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
            return words
        return self._words(0, 1 << 32, size=n, dtype=np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """``n`` successive 64-bit draws, each made of two 32-bit ones (the first is the high half)."""
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        raw = self.random(2 * n)
        return (raw[0::2].astype(np.uint64) << np.uint64(32)) | raw[1::2]
