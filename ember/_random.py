"""Random number generation: ``Generator``, ``manual_seed`` and the global default generator, bit for bit PyTorch's.

A Generator is PyTorch's CPU generator: the mt19937 engine (``_mt19937``), the cached second value of a float64
Box-Muller pair, and the same 5056-byte state tensor, so ``get_rng_state``/``set_rng_state`` states travel between
ember and PyTorch. The draw methods reproduce PyTorch's CPU kernels (``DistributionTemplates.h`` and
``TransformationHelper.h``): which words they take (32-bit ``random()`` or 64-bit ``random64()``), how a word
becomes a value, the algorithm switches by size and contiguity, and the order elements are written (PyTorch's
TensorIterator walks the output in memory order). Transcendental functions of float64 values go through Python's
``math`` (the C library PyTorch calls too), mapped over the values in C, because NumPy's SIMD versions round
differently in the last bit.
"""
from __future__ import annotations

import math
import os

import numpy as np

from . import _boxmuller
from ._boxmuller import unit24 as _unit24
from ._fma import fma64
from ._mt19937 import N as _MT_N
from ._mt19937 import MT19937, compiled_kernels
from ._tensor import wrap
from ._dtype import is_real_floating

# PyTorch's default seed, so that a fresh process is reproducible without calling manual_seed
_DEFAULT_SEED = 67280421310721
_STATE_BYTES = 5056  # CPUGeneratorImplState: the legacy THGeneratorState plus the float normal cache
_U64 = 0xFFFFFFFFFFFFFFFF
# random_from_to draws 64-bit words from this range size on (PyTorch allows ~5% skew below it)
_RANGE_64 = 1 << 28


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function) of every float64 in ``x``, mapped in C."""
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


def _unit53(words: np.ndarray) -> np.ndarray:
    """float64's uniform [0, 1): the low 53 bits of 64-bit words over 2**53."""
    return (words & np.uint64((1 << 53) - 1)).astype(np.float64) * (1.0 / (1 << 53))


def _unit53_below(words: np.ndarray, p: float) -> np.ndarray:
    """``_unit53(w) < p`` for the 64-bit words ``w`` made of the pairs of 32-bit ``words``, compared in integers
    without making the uniforms: ``m / 2**53 < p`` exactly when ``m < ceil(p * 2**53)`` for a word's low 53 bits
    ``m``, whose high 21 bits are in the pair's first word. Those decide alone except where they equal the
    threshold's (one pair in two million); there the second word decides."""
    high, low = words[0::2] & np.uint32(0x1FFFFF), words[1::2]
    threshold = math.ceil(min(max(p, 0.0), 1.0) * (1 << 53))
    top, bottom = threshold >> 32, threshold & 0xFFFFFFFF
    out = high < top
    tie = np.flatnonzero(high == top)
    out[tie] = low[tie] < bottom
    return out


def memory_order(arr: np.ndarray) -> np.ndarray:
    """A view of ``arr`` whose C order is PyTorch's TensorIterator order: dimensions by decreasing stride."""
    return memory_order_like(arr, arr)


def memory_order_like(arr: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``arr`` (shaped like ``ref``) transposed the way :func:`memory_order` transposes ``ref``."""
    if ref.ndim < 2 or ref.flags.c_contiguous:
        return arr
    order = sorted(range(ref.ndim), key=lambda d: -abs(ref.strides[d]) if ref.shape[d] > 1 else 0)
    return arr.transpose(order)


def fill(arr: np.ndarray, values: np.ndarray) -> None:
    """Write the flat ``values`` into ``arr`` in PyTorch's element order."""
    view = memory_order(arr)
    view[...] = values.reshape(view.shape)


class Generator:
    """A stream of random numbers (``ember.Generator().manual_seed(0)``), PyTorch's CPU generator."""

    def __init__(self, device="cpu") -> None:
        self.device = device
        self._engine = MT19937(_DEFAULT_SEED)
        self.manual_seed(_DEFAULT_SEED)

    # ---- seeding and state

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed) & _U64
        self._seed = seed
        self._engine.seed(seed)
        self._next_double_normal: float | None = None
        self._next_float_normal: float | None = None
        return self

    def seed(self) -> int:
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """PyTorch's state tensor: seed, left, seeded, next, the 624 words (as uint64), the normal caches."""
        key, left, next_ = self._engine.get()
        buf = bytearray(_STATE_BYTES)
        head = np.array([self._seed], np.uint64).tobytes() + np.array([left, 1], np.int32).tobytes()
        buf[0:16] = head
        buf[16:24] = np.array([next_], np.uint64).tobytes()
        buf[24:24 + 8 * _MT_N] = key.astype(np.uint64).tobytes()
        tail = 24 + 8 * _MT_N
        if self._next_double_normal is not None:
            buf[tail + 8:tail + 16] = np.array([self._next_double_normal], np.float64).tobytes()
            buf[tail + 24:tail + 28] = np.array([1], np.int32).tobytes()
        if self._next_float_normal is not None:
            buf[tail + 32:tail + 36] = np.array([self._next_float_normal], np.float32).tobytes()
            buf[tail + 36] = 1
        return wrap(np.frombuffer(bytes(buf), dtype=np.uint8).copy())

    def set_state(self, state) -> "Generator":
        data = np.ascontiguousarray(state._data if hasattr(state, "_data") else state)
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if data.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG state "
                               f"size to be {data.size}")
        raw = data.tobytes()
        seed = int(np.frombuffer(raw, np.uint64, 1, 0)[0])
        left = int(np.frombuffer(raw, np.int32, 1, 8)[0])
        next_ = int(np.frombuffer(raw, np.uint64, 1, 16)[0])
        if left < 1 or left > _MT_N:
            raise RuntimeError("Invalid mt19937 state")
        key = np.frombuffer(raw, np.uint64, _MT_N, 24).astype(np.uint32)
        tail = 24 + 8 * _MT_N
        self._seed = seed
        self._engine.set(key, left, next_)
        valid = np.frombuffer(raw, np.int32, 1, tail + 24)[0]
        self._next_double_normal = float(np.frombuffer(raw, np.float64, 1, tail + 8)[0]) if valid else None
        self._next_float_normal = float(np.frombuffer(raw, np.float32, 1, tail + 32)[0]) if raw[tail + 36] else None
        return self

    # ---- raw words

    def random32(self, n: int) -> np.ndarray:
        """``n`` 32-bit words (PyTorch's ``random()``)."""
        return self._engine.random(n)

    def random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit words (PyTorch's ``random64()``)."""
        return self._engine.random64(n)

    def unit(self, n: int, dtype) -> np.ndarray:
        """``n`` draws of ``uniform_real_distribution<T>(0, 1)``: 24 bits (as float32) for float32 and narrower
        types, 53 bits (as float64) for float64."""
        if np.dtype(dtype) == np.float64:
            return _unit53(self.random64(n))
        return _unit24(self.random32(n))

    # ---- distributions, as flat arrays in PyTorch's element order

    def uniform_values(self, n: int, dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """``uniform_(low, high)``: ``x * (high - low) + low`` in the kernel's precision, a result that rounds up to
        ``high`` replaced by ``low``."""
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            out = fma64(self.unit(n, dtype), high - low, low)
        else:
            lo, hi = np.float32(low), np.float32(high)
            # float32: (hi - lo) in float32, the product and sum in float64 (exact product), one rounding at the end
            out = np.multiply(self.unit(n, dtype), hi - lo, dtype=np.float64)
            out = (out + np.float64(lo)).astype(np.float32).astype(dtype)
        out[out == dtype.type(high)] = dtype.type(low)
        return out

    def normal_values(self, n: int, dtype, mean: float = 0.0, std: float = 1.0, contiguous: bool = True):
        """``normal_(mean, std)``: the 16-wide Box-Muller for contiguous outputs of 16 or more elements, else
        one float64 Box-Muller pair per two elements (the second value cached across calls)."""
        dtype = np.dtype(dtype)
        if n >= 16 and contiguous:
            return self._normal_fill(n, dtype, mean, std)
        return self._normal_scalar(n, mean, std).astype(dtype)

    def _normal_fill(self, n: int, dtype, mean: float, std: float) -> np.ndarray:
        wide = dtype == np.float64
        # the Box-Muller gets each value's words (one 32-bit word for float32, two for float64) and makes the
        # uniforms itself, in the compiled kernel when there is one; NumPy's float64 form takes 53-bit uniforms
        if wide and not _boxmuller.compiled():
            draw, blocks, per = (lambda k: self.unit(k, np.float64)), self._box_muller_16, 1
        else:
            draw, per = self.random32, 2 if wide else 1
            blocks = _boxmuller.normal64_from_words if wide else _boxmuller.normal_from_words
        full = n - n % 16
        out = np.empty(n, dtype=np.float64 if wide else np.float32)
        out[:full] = blocks(draw(per * n)[:per * full].reshape(-1, 16 * per), mean, std).ravel()
        if n % 16:
            # PyTorch redraws the last 16 uniforms and recomputes the last 16 values
            out[n - 16:] = blocks(draw(16 * per).reshape(1, 16 * per), mean, std).ravel()
        return out.astype(dtype)

    @staticmethod
    def _box_muller_16(u: np.ndarray, mean: float, std: float) -> np.ndarray:
        radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8]))
        theta = (2.0 * math.pi) * u[:, 8:]
        return np.concatenate([fma64(radius * np.cos(theta), std, mean), fma64(radius * np.sin(theta), std, mean)],
                              axis=1)

    def _normal_scalar(self, n: int, mean: float, std: float) -> np.ndarray:
        """``normal_distribution<double>``: u1, u2 give r cos(theta) now and r sin(theta) for the next request."""
        out = np.empty(n, dtype=np.float64)
        start = 0
        if n and self._next_double_normal is not None:
            out[0] = self._next_double_normal
            self._next_double_normal = None
            start = 1
        pairs = (n - start + 1) // 2
        if pairs:
            u = _unit53(self.random64(2 * pairs))
            r = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
            theta = (2.0 * math.pi) * u[0::2]
            both = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).ravel()
            out[start:] = both[:n - start]
            if (n - start) % 2:
                self._next_double_normal = float(both[-1])
        return fma64(out, std, mean)

    def log_normal_values(self, n: int, mean: float, std: float) -> np.ndarray:
        """``log_normal_``: exp of float64 normal draws (the scalar Box-Muller, cache included)."""
        return _libm(math.exp, self._normal_scalar(n, mean, std))

    def from_to_values(self, n: int, range_: int, base: int) -> np.ndarray:
        """``random_(from, to)``: ``word % range + base`` as int64, 64-bit words from a range of 2**28 on."""
        if range_ >= _RANGE_64:
            words = self.random64(n)
        else:
            words = self.random32(n).astype(np.uint64)
        return ((words % np.uint64(range_)) + np.uint64(base & _U64)).view(np.int64)

    def full_range_values(self, n: int) -> np.ndarray:
        """``random_(-2**63, None)``: a whole 64-bit word as int64."""
        return self.random64(n).view(np.int64)

    def random_values(self, n: int, dtype) -> np.ndarray:
        """``random_()``: [0, max] for integer types (bool: the low bit), [0, 2**mantissa] for floating types."""
        dtype = np.dtype(dtype)
        wide = dtype in (np.float64, np.int64)
        words = self.random64(n) if wide else self.random32(n).astype(np.uint64)
        if dtype == np.bool_:
            return (words & np.uint64(1)).astype(np.bool_)
        if is_real_floating(dtype):
            modulus = (1 << (np.finfo(dtype).nmant + 1)) + 1
        else:
            modulus = int(np.iinfo(dtype).max) + 1
        return (words % np.uint64(modulus)).astype(dtype)

    def bernoulli_values(self, n: int, p: float) -> np.ndarray:
        """``bernoulli_(p)`` with a number p: a float64 uniform below p."""
        return _unit53_below(self.random32(2 * n), p)

    def bernoulli_tensor_values(self, p: np.ndarray) -> np.ndarray:
        """``bernoulli_(p)`` with a tensor p (flat, in element order): a uniform of p's precision below p."""
        if p.dtype == np.float64:
            return _unit53(self.random64(p.size)) < p
        return _unit24(self.random32(p.size)) < p.astype(np.float32)

    def exponential_values(self, n: int, lambd: float) -> np.ndarray:
        """``exponential_(lambd)``: ``-1 / lambd * log1p(-u)`` in float64."""
        return (-1.0 / lambd) * _libm(math.log1p, -_unit53(self.random64(n)))

    def geometric_values(self, n: int, p: float) -> np.ndarray:
        """``geometric_(p)``: ``ceil(log(u) / log1p(-p))`` in float64."""
        u = _unit53(self.random64(n))
        with np.errstate(divide="ignore"):
            return np.ceil(_libm(_log_or_minus_inf, u) / math.log1p(-p))

    def cauchy_values(self, n: int, median: float, sigma: float) -> np.ndarray:
        """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))`` in float64."""
        t = _libm(math.tan, math.pi * (_unit53(self.random64(n)) - 0.5))
        return fma64(sigma, t, median)

    # ---- in-place fills of an array (a tensor's storage view), PyTorch's checks and element order

    def fill_uniform(self, arr: np.ndarray, low: float = 0.0, high: float = 1.0) -> None:
        if low > high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_num(low)} > "
                               f"to={_num(high)}")
        fill(arr, self.uniform_values(arr.size, arr.dtype, low, high))

    def fill_normal(self, arr: np.ndarray, mean: float = 0.0, std: float = 1.0) -> None:
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
        fill(arr, self.normal_values(arr.size, arr.dtype, mean, std, arr.flags.c_contiguous))

    def fill_bernoulli(self, arr: np.ndarray, p) -> None:
        """``bernoulli_(p)``: p a number, or an array broadcast to ``arr`` (read in ``arr``'s element order)."""
        if isinstance(p, np.ndarray):
            probs = np.broadcast_to(p, arr.shape)
            fill(arr, self.bernoulli_tensor_values(memory_order_like(probs, arr).ravel()))
            return
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
        fill(arr, self.bernoulli_values(arr.size, p))

    def fill_random(self, arr: np.ndarray, from_: int | None = None, to: int | None = None) -> None:
        """``random_()``, ``random_(to)`` and ``random_(from, to)``."""
        if from_ is None:
            fill(arr, self.random_values(arr.size, arr.dtype))
            return
        if to is None:
            from_, to = 0, from_
        from_, to = int(from_), int(to)
        if is_real_floating(arr.dtype):
            from_, to = _representable_bounds(from_, to, arr.dtype)
        if from_ >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        fill(arr, self.from_to_values(arr.size, int(to) - int(from_), int(from_)))

    def fill_exponential(self, arr: np.ndarray, lambd: float = 1.0) -> None:
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
        fill(arr, self.exponential_values(arr.size, lambd))

    def fill_geometric(self, arr: np.ndarray, p: float) -> None:
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
        fill(arr, self.geometric_values(arr.size, p))

    def fill_log_normal(self, arr: np.ndarray, mean: float = 1.0, std: float = 2.0) -> None:
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
        fill(arr, self.log_normal_values(arr.size, mean, std))

    def fill_cauchy(self, arr: np.ndarray, median: float = 0.0, sigma: float = 1.0) -> None:
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
        fill(arr, self.cauchy_values(arr.size, median, sigma))

    # ---- conveniences for callers that allocate a fresh contiguous array

    def uniform(self, low, high, shape, dtype) -> np.ndarray:
        """A new array of ``shape`` filled like ``torch.empty(shape, dtype).uniform_(low, high)``."""
        return self.uniform_values(_numel(shape), dtype, low, high).reshape(shape)

    def normal(self, mean, std, shape, dtype) -> np.ndarray:
        """A new array of ``shape`` filled like ``torch.empty(shape, dtype).normal_(mean, std)``."""
        return self.normal_values(_numel(shape), dtype, mean, std).reshape(shape)

    def integers(self, low, high, shape) -> np.ndarray:
        """int64 draws like ``torch.randint(low, high, shape)``."""
        return self.from_to_values(_numel(shape), int(high) - int(low), int(low)).reshape(shape)

    def exponential(self, scale, shape) -> np.ndarray:
        """float64 draws like ``torch.empty(shape, dtype=float64).exponential_(1 / scale)``."""
        return self.exponential_values(_numel(shape), 1.0 / scale).reshape(shape)

    def permutation(self, n: int) -> np.ndarray:
        """``torch.randperm(n)``: Fisher-Yates, position i swapped with ``i + random() % (n - i)``."""
        if n < 2:
            return np.arange(n, dtype=np.int64)
        words = self.random32(n - 1)
        kernels = compiled_kernels()
        if kernels is not None:
            return kernels.fisher_yates(words, n)
        return _fisher_yates(words.astype(np.int64) % (n - np.arange(n - 1)), n)


def _representable_bounds(from_: int, to: int, dtype) -> tuple[int, int]:
    """PyTorch's ``update_from``/``update_to``: move bounds that the float type cannot hold inward."""
    digits = np.finfo(dtype).nmant + 1
    rounded = int(np.array(from_ + 1, dtype=np.float64).astype(dtype))
    if rounded < from_:
        from_ = rounded + (1 << (abs(from_ + 1).bit_length() - 1 - digits + 1))
    rounded = int(np.array(to - 1, dtype=np.float64).astype(dtype))
    if rounded >= to:
        to = rounded - (1 << (abs(to - 1).bit_length() - 1 - digits + 1))
    return from_, to


def _num(x) -> str:
    """A number as PyTorch prints it in these messages (integral values without a fraction)."""
    return str(int(x)) if float(x).is_integer() else str(x)


def _log_or_minus_inf(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _numel(shape) -> int:
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def _fisher_yates(offsets: np.ndarray, n: int) -> np.ndarray:
    """The permutation left by swapping position i with ``j_i = i + offsets[i]`` for i = 0, 1, ..., vectorised.

    Step i fixes position i to what position j_i holds then. That is position j_i's original value unless an
    earlier step k wrote there (j_k == j_i), in which case it is what stood at position k at step k. What stands
    at position i at step i is in turn i, or what stood at k at step k for the last earlier k with j_k == i: a
    chain whose end pointer jumping finds in log(n) passes.
    """
    idx = np.arange(n, dtype=np.int64)
    j = idx.copy()
    j[:n - 1] += offsets
    order = np.lexsort((idx, j))  # steps grouped by target, in step order within a group
    sj = j[order]
    same = np.empty(n, dtype=bool)
    same[0] = False
    same[1:] = sj[1:] == sj[:-1]
    # the previous step with the same target, for every step (or -1)
    prev_same = np.full(n, -1, dtype=np.int64)
    prev_same[order[1:][same[1:]]] = order[:-1][same[1:]]
    # the last step k < t targeting position t: the group's last step, or the one before it if that is t itself
    last_of_group = np.full(n, -1, dtype=np.int64)
    ends = np.append(sj[1:] != sj[:-1], True)
    last_of_group[sj[ends]] = order[ends]
    writer = np.where(last_of_group == idx, prev_same[np.maximum(last_of_group, 0)], last_of_group)
    # root of each chain writer -> writer -> ... : the value at position i when step i runs
    root = np.where(writer >= 0, writer, idx)
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    cur = root
    incoming = np.where(prev_same >= 0, cur[np.maximum(prev_same, 0)], j)
    return np.where(j == idx, cur, incoming)


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
    """The default generator's state (PyTorch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Restore the default generator's state from ``get_rng_state()`` (ember's or PyTorch's)."""
    default_generator.set_state(state)
