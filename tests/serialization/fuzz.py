"""A fuzzer for ``ember.load``: random mutations of valid checkpoints, checked against one property.

Run a few hundred cases inside the test run (``test_fuzz.py``) or longer from a command::

    python -m tests.serialization.fuzz --cases 100000 --seed 1      (or: make fuzz)

Inputs are valid checkpoints (written by ember.save, torch.save and by hand) mutated at every layer: random bit
flips and truncations of the whole file; edits of data.pkl (bit flips, inserted/deleted/replaced opcodes, swapped
globals) re-zipped with correct CRCs; views with hostile storage offsets, sizes, strides and storage sizes; zip
records with altered declared sizes, compression method, missing or renamed entries.

The property: every input either loads, or raises one of the documented exceptions

* ``RuntimeError``: the archive, a storage or a view is malformed (PyTorch raises RuntimeError for these),
* ``pickle.UnpicklingError``: data.pkl is malformed or names something a checkpoint may not hold,

and never crashes the interpreter, runs past ``CASE_SECONDS``, allocates more than ``len(input) +
_EXPANSION_SLACK + SLACK_BYTES`` (traced by tracemalloc), or returns a tensor reaching outside the storage it was
built on. When ember loads an input whose zip framing is intact and torch (the oracle, when importable) loads it
too, both must hold the same values (with a corrupted zip header, zipfile and torch's miniz may read different
bytes for a record; both stay inside it).
"""
from __future__ import annotations

import argparse
import io
import pickle
import random
import signal
import struct
import sys
import time
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np

import ember
from ember import serialization
from ember.serialization import _EXPANSION_SLACK
from numpy.lib.array_utils import byte_bounds

from .craft import archive, tensor_pickle, view_checkpoint

CASE_SECONDS = 5
SLACK_BYTES = 16 << 20
_ORACLE_NUMEL = 1 << 20
DOCUMENTED = (RuntimeError, pickle.UnpicklingError)

_INTERESTING = [0, 1, 2, 3, -1, -2, 4, 7, 255, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 62, 2 ** 63 - 1, 2 ** 63, 2 ** 64,
                -2 ** 63, 10 ** 8, 10 ** 11]
_GLOBALS = [b"os\nsystem\n", b"builtins\neval\n", b"__builtin__\nset\n", b"__builtin__\nbytearray\n",
            b"torch\nBFloat16Storage\n", b"torch\nComplexFloatStorage\n", b"torch\nLongStorage\n",
            b"torch\nBoolStorage\n", b"torch._utils\n_rebuild_parameter\n", b"collections\nOrderedDict\n",
            b"torch\nSize\n", b"_codecs\nencode\n", b"numpy\nndarray\n", b"torch._utils\n_rebuild_tensor_v2\n"]
_OPCODES = [op for op in (getattr(pickle, n) for n in dir(pickle) if n.isupper()) if isinstance(op, bytes)
            and len(op) == 1]


class FuzzFailure(AssertionError):
    """An input that broke the property; ``data`` holds it."""

    def __init__(self, message: str, data: bytes) -> None:
        super().__init__(message)
        self.data = data


class _Hang(BaseException):
    pass


def seeds() -> list[bytes]:
    """Valid checkpoints: the starting points of every mutation."""
    base = ember.arange(12.0).reshape(3, 4)
    state = OrderedDict(w=base, view=base[1:, ::2], t=base.t(), s=ember.tensor(2.5), e=ember.zeros(0, 3),
                        i=ember.tensor([1, -2], dtype=ember.int64), b=ember.tensor([True, False]))
    state._metadata = OrderedDict([("", {"version": 1})])
    out = []
    for obj in (state, {"epoch": 3, "lr": 0.1, "raw": b"\x00\xff", "c": 1 + 2j, "n": [None, (1, 2)]}):
        buf = io.BytesIO()
        ember.save(obj, buf)
        out.append(buf.getvalue())
    out.append(view_checkpoint(np.arange(4, dtype=np.float32).tobytes(), 1, (2,), (2,)))
    out.append(archive(tensor_pickle("BFloat16Storage", 4, 0, (2, 2), (2, 1)), {"0": bytes(range(8))}))
    return out


def _records(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(records: dict[str, bytes], deflate: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, payload in records.items():
            zf.writestr(name, payload, zipfile.ZIP_DEFLATED if name == deflate else zipfile.ZIP_STORED)
    return out.getvalue()


def _flip(rng: random.Random, data: bytes, count: int) -> bytes:
    buf = bytearray(data)
    for _ in range(count):
        if buf:
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _mutate_pickle(rng: random.Random, pkl: bytes) -> bytes:
    kind = rng.randrange(5)
    pos = rng.randrange(len(pkl))
    if kind == 0:
        return _flip(rng, pkl, rng.randint(1, 4))
    if kind == 1:
        return pkl[:pos] + rng.choice(_OPCODES) + pkl[pos:]
    if kind == 2:
        return pkl[:pos] + pkl[pos + rng.randint(1, 8):]
    if kind == 3:
        starts = [i for i in range(len(pkl)) if pkl[i:i + 1] == pickle.GLOBAL]
        if starts:
            start = rng.choice(starts) + 1
            end = pkl.find(b"\n", pkl.find(b"\n", start) + 1) + 1
            if end > start:
                return pkl[:start] + rng.choice(_GLOBALS) + pkl[end:]
    opcode = rng.choice([pickle.BININT, pickle.LONG_BINPUT, pickle.LONG_BINGET, pickle.BINUNICODE, pickle.BINBYTES])
    return pkl[:pos] + opcode + struct.pack("<I", rng.choice([0, 1, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 20])) + pkl[pos:]


def _view(rng: random.Random) -> bytes:
    ndim = rng.randrange(4)
    value = lambda: rng.choice(_INTERESTING) if rng.random() < 0.3 else rng.randrange(6)  # noqa: E731
    size = tuple(value() for _ in range(ndim))
    stride = tuple(value() for _ in range(ndim if rng.random() < 0.9 else ndim + 1))
    cls, item = rng.choice([("FloatStorage", 4), ("LongStorage", 8), ("ByteStorage", 1), ("BFloat16Storage", 2),
                            ("BoolStorage", 1), ("ComplexFloatStorage", 8)])
    nbytes = rng.randrange(64) * item
    numel = nbytes // item if rng.random() < 0.8 else value()
    return archive(tensor_pickle(cls, numel, value(), size, stride), {"0": bytes(rng.randrange(256)
                                                                                for _ in range(nbytes))})


def _mutate_zip_header(rng: random.Random, data: bytes) -> bytes:
    """Rewrite a declared size, CRC or method in a local or central header."""
    buf = bytearray(data)
    heads = [i for i in range(len(buf) - 46) if buf[i:i + 4] in (b"PK\x03\x04", b"PK\x01\x02")]
    if not heads:
        return data
    head = rng.choice(heads)
    central = buf[head:head + 4] == b"PK\x01\x02"
    field = rng.choice([("method", 10 if central else 8, "<H"), ("crc", 16 if central else 14, "<I"),
                        ("csize", 20 if central else 18, "<I"), ("usize", 24 if central else 22, "<I")])
    value = rng.choice([0, 8, 1, 2 ** 32 - 1, 2 ** 31, 1 << 26, rng.randrange(1 << 16)])
    struct.pack_into(field[2], buf, head + field[1], value % (1 << (8 * struct.calcsize(field[2]))))
    return bytes(buf)


def mutate(rng: random.Random, pool: list[bytes]) -> tuple[bytes, bool]:
    """A mutated input, and whether its zip framing is intact (written by zipfile): only then do ember (Python's
    zipfile) and torch (miniz) read the same bytes for each record, so only then is torch an oracle for values."""
    data = rng.choice(pool)
    kind = rng.randrange(7)
    if kind == 0:
        return _flip(rng, data, rng.randint(1, 16)), False
    if kind == 1:
        return data[:rng.randrange(len(data))], False
    if kind == 2:
        return _view(rng), True
    if kind == 3:
        return _mutate_zip_header(rng, data), False
    records = _records(data)
    pkl_name = next(n for n in records if n.endswith("data.pkl"))
    if kind == 4:
        records[pkl_name] = _mutate_pickle(rng, records[pkl_name])
        return _zip(records), True
    if kind == 5:
        victim = rng.choice(list(records))
        if rng.random() < 0.5:
            del records[victim]
        else:
            records[victim[:-1] + "9"] = records.pop(victim)
        return _zip(records), True
    return _zip(records, deflate=rng.choice(list(records))), True


class _RecordingUnpickler(serialization.CheckpointUnpickler):
    """Remembers every storage it hands out, so each loaded tensor can be checked to lie inside one."""

    loaded: list[np.ndarray] = []

    def persistent_load(self, pid):
        storage = super().persistent_load(pid)
        _RecordingUnpickler.loaded.append(storage)
        return storage


def _tensors(obj):
    if isinstance(obj, ember.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            yield from _tensors(v)


def _inside(array: np.ndarray, storages: list[np.ndarray]) -> bool:
    if array.size == 0:
        return True
    low, high = byte_bounds(array)
    return any(s.size and byte_bounds(s)[0] <= low and high <= byte_bounds(s)[1] for s in storages)


def _torch_values(data: bytes):
    try:
        import torch
    except ImportError:
        return None
    try:
        loaded = torch.load(io.BytesIO(data), weights_only=True)
    except Exception:
        return None
    return [t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy() for t in _torch_tensors(loaded, torch)]


def _torch_tensors(obj, torch):
    if isinstance(obj, torch.Tensor):
        yield obj.detach()
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _torch_tensors(v, torch)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _torch_tensors(v, torch)


def check(data: bytes, oracle: bool = True) -> str:
    """Load ``data`` under the property; the outcome's name (``loaded`` or the exception type's)."""
    def alarm(*_):
        raise _Hang()

    _RecordingUnpickler.loaded = []
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    tracemalloc.start()
    original, serialization.CheckpointUnpickler = serialization.CheckpointUnpickler, _RecordingUnpickler
    try:
        result = ember.load(io.BytesIO(data))
        outcome = "loaded"
    except DOCUMENTED as e:
        result, outcome = None, type(e).__name__
    except _Hang:
        raise FuzzFailure(f"load ran past {CASE_SECONDS} s", data) from None
    except Exception as e:
        raise FuzzFailure(f"undocumented {type(e).__name__}: {e}", data) from e
    finally:
        serialization.CheckpointUnpickler = original
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if peak > len(data) + _EXPANSION_SLACK + SLACK_BYTES:
        raise FuzzFailure(f"peak memory {peak} bytes for a {len(data)}-byte input", data)
    if outcome == "loaded":
        tensors = list(_tensors(result))
        for t in tensors:
            if not _inside(t._data, _RecordingUnpickler.loaded):
                raise FuzzFailure(f"a tensor of shape {t.shape} reaches outside its storage", data)
        small = all(t.numel() <= _ORACLE_NUMEL for t in tensors)  # a stride-0 view may name 10**11 elements
        expected = _torch_values(data) if oracle and tensors and small else None
        if expected is not None and (len(expected) != len(tensors) or not all(
                e.shape == t.shape and np.array_equal(e, t._data, equal_nan=True) for e, t in zip(expected,
                                                                                                   tensors))):
            raise FuzzFailure("ember and torch load different tensors", data)
    return outcome


def run(cases: int, seed: int, oracle: bool = True, report=None) -> dict[str, int]:
    """Check ``cases`` mutated inputs from ``seed``; the count of each outcome. Raises FuzzFailure on the first
    input that breaks the property."""
    rng = random.Random(seed)
    pool = seeds()
    counts: dict[str, int] = {}
    for i in range(cases):
        data, framed = mutate(rng, pool)
        outcome = check(data, oracle and framed)
        counts[outcome] = counts.get(outcome, 0) + 1
        if report and (i + 1) % 1000 == 0:
            report(f"{i + 1} cases: {counts}")
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-oracle", action="store_true", help="do not compare loaded values with torch.load")
    parser.add_argument("--save-failure", default="fuzz-failure.pth", help="where a failing input is written")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        counts = run(args.cases, args.seed, not args.no_oracle, report=lambda line: print(line, flush=True))
    except FuzzFailure as e:
        with open(args.save_failure, "wb") as f:
            f.write(e.data)
        print(f"FAILED: {e} (input written to {args.save_failure})", file=sys.stderr)
        return 1
    print(f"{args.cases} cases, seed {args.seed}, {time.perf_counter() - start:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
