"""``ember.save`` / ``ember.load`` in PyTorch's zip checkpoint format (readable by ``torch.load(weights_only=True)``).

Layout (see PyTorch's serialization): a stored (uncompressed) zip whose entries sit under one folder:
``data.pkl`` (protocol-2 pickle), ``byteorder``, ``data/<key>`` raw little-endian storage bytes aligned to 64 bytes,
and ``version``. Saving writes a temporary file and renames it, so a crash never leaves a truncated checkpoint; the
file gets the mode a plain ``open`` gives (0o666 less the umask), as with ``torch.save``.
"""
from __future__ import annotations

import contextlib
import glob
import io
import os
import pickletools
import secrets
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._device import device
from ._pickle_writer import CheckpointWriter
from ._full_pickle import FullUnpickler, dumps as full_dumps
from ._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._unpickler import ALLOWED, SAFE_GLOBALS, CheckpointUnpickler

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "get_unsafe_globals_in_checkpoint", "load",
           "safe_globals", "save"]

_ALIGN = 64
_CHUNK = 1 << 20
_EXPANSION_SLACK = 64 << 20  # bytes compressed records may expand to beyond the archive's own size


def _aligned_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Write a stored entry whose data starts on a 64-byte boundary, padding with an 'FB' extra field."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = 30 + len(name.encode()) + 4
    pad = (-(zf.fp.tell() + header)) % _ALIGN
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


def _pickle(obj) -> tuple[bytes, dict]:
    """data.pkl and its storages: tensors, containers and plain values in the restricted form every loader
    accepts; any other object (a whole module, an optimizer, a NumPy array) as a full pickle, as torch.save does."""
    writer = CheckpointWriter()
    try:
        return writer.dumps(obj), writer.storages
    except TypeError:
        return full_dumps(obj)


def _write_zip(fileobj, folder: str, obj) -> None:
    pickled, storages = _pickle(obj)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED) as zf:
        _aligned_entry(zf, f"{folder}/data.pkl", pickled)
        _aligned_entry(zf, f"{folder}/byteorder", b"little")
        for key, array in storages.items():
            _aligned_entry(zf, f"{folder}/data/{key}", array.astype(array.dtype.newbyteorder("<")).tobytes())
        _aligned_entry(zf, f"{folder}/version", b"3\n")


def save(obj, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` to a path or a binary file object, readable by ``torch.load``.

    Tensors, state_dicts, containers, numbers and strings are written in the form ``weights_only`` loads accept;
    anything else (a whole module, an optimizer, NumPy arrays, your own classes) is pickled as ``torch.save`` does,
    ember's classes under PyTorch's names, and needs ``load(..., weights_only=False)``.

    Through a symlink the link's target is written and the link kept. The data goes to a temporary file renamed
    over the target once complete, so the target is never truncated; a failed save removes the temporary file, and
    a save removes those that earlier saves killed mid-way (kill -9) left behind.
    """
    if not isinstance(f, (str, os.PathLike)):
        _write_zip(f, "archive", obj)
        return
    folder = Path(f).stem or "archive"
    path = Path(os.path.realpath(f))
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    # not tempfile.mkstemp: its files are 0o600, where os.open lets the umask decide as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_zip(out, folder, obj)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    _remove_orphans(path)


def _remove_orphans(path: Path) -> None:
    """Remove the temporary files of earlier saves to ``path`` whose process was killed before it could (each
    name holds its writer's pid; a live or unknown writer's file is left alone)."""
    for orphan in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = orphan.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(FileNotFoundError):
                orphan.unlink()
        except OSError:  # alive, owned by another user
            continue


def _check_map_location(map_location) -> None:
    if map_location is None or callable(map_location) and not isinstance(map_location, (str, device)):
        return
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if str(target).split(":")[0] != "cpu":
            raise RuntimeError(f"ember.load: map_location={map_location!r} names a device other than the CPU; "
                               "ember has no GPU backend yet")


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True, mmap: bool | None = None,
         **pickle_load_args):
    """Load a checkpoint saved by ``ember.save`` or ``torch.save`` (zip format).

    With ``weights_only=True`` (the default, as in PyTorch) only tensors, containers, plain values and the globals
    given to ``add_safe_globals`` are accepted: a file naming any other global is refused with an error naming it,
    and no code from the file runs. A malformed file raises ``RuntimeError`` (archive, storage or view) or
    ``pickle.UnpicklingError`` (data.pkl), nothing else. ``weights_only=False`` loads any pickle (whole modules,
    optimizers, NumPy arrays), PyTorch's classes resolved to ember's: it runs code the file names, so use it only
    for files you trust.
    """
    _check_map_location(map_location)
    unpickler = FullUnpickler if weights_only is False else CheckpointUnpickler
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_zip(fh, unpickler)
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_zip(f, unpickler)


def _archive_error(e: Exception) -> RuntimeError:
    return RuntimeError(f"ember.load: the checkpoint's zip archive is corrupted ({type(e).__name__}: {e})")


def _open_zip(fileobj, read):
    """``read(archive)`` on the checkpoint zip ``fileobj``, its archive errors reported as corruption."""
    start = fileobj.tell()
    if fileobj.read(4) != b"PK\x03\x04":
        raise RuntimeError("ember.load: not a zip checkpoint. Only PyTorch's zip format (the default since "
                           "PyTorch 1.6) can be loaded; re-save the file with torch.save in a current PyTorch")
    archive_size = fileobj.seek(0, io.SEEK_END) - start
    fileobj.seek(start)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            return read(_Archive(zf, archive_size))
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError, ValueError, NotImplementedError) as e:
        raise _archive_error(e) from None


class _Archive:
    """The entries of a checkpoint zip, read within a budget: an entry's declared sizes are checked before any
    byte of it is decompressed, and all entries together may expand to at most ``archive_size`` bytes plus
    ``_EXPANSION_SLACK`` (a stored entry's data lies inside the file; compressed ones may expand up to that)."""

    def __init__(self, zf: zipfile.ZipFile, archive_size: int) -> None:
        self.zf = zf
        self.names = set(zf.namelist())
        self.budget = archive_size + _EXPANSION_SLACK
        self.archive_size = archive_size

    def info(self, name: str, expected: int | None = None) -> zipfile.ZipInfo:
        if name not in self.names:
            raise RuntimeError(f"ember.load: the checkpoint has no record {name}: the file is corrupted")
        info = self.zf.getinfo(name)
        if expected is not None and info.file_size != expected:
            raise RuntimeError(f"ember.load: storage {name} holds {info.file_size} bytes, expected {expected}: "
                               "the checkpoint is corrupted")
        if info.header_offset + info.compress_size > self.archive_size or (
                info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size):
            raise RuntimeError(f"ember.load: record {name} declares sizes the archive cannot hold: the checkpoint "
                               "is corrupted")
        if info.file_size > self.budget:
            raise RuntimeError(f"ember.load: record {name} would expand to {info.file_size} bytes, past the "
                               f"{self.budget}-byte budget for this {self.archive_size}-byte archive: refused")
        self.budget -= info.file_size
        return info

    def read(self, name: str) -> bytes:
        info = self.info(name)
        with self.zf.open(info) as entry:
            return entry.read(info.file_size)

    def read_array(self, name: str, dtype: np.dtype, numel: int) -> np.ndarray:
        """The record as a ``numel``-element array, its sizes checked before the allocation and its bytes read
        straight into the array in chunks (no second full-size copy of a storage)."""
        info = self.info(name, numel * dtype.itemsize)
        array = np.empty(numel, dtype=dtype)
        view = memoryview(array).cast("B") if array.nbytes else memoryview(b"")
        with self.zf.open(info) as entry:
            pos = 0
            while pos < array.nbytes:
                n = entry.readinto(view[pos:pos + _CHUNK])
                if not n:
                    raise RuntimeError(f"ember.load: storage {name} ends after {pos} of {array.nbytes} bytes: "
                                       "the checkpoint is corrupted")
                pos += n
        return array


def _load_zip(fileobj, unpickler):
    return _open_zip(fileobj, lambda archive: _load_entries(archive, unpickler))


def _data_pkl(archive: "_Archive") -> tuple[str, str]:
    """The folder of the checkpoint's records and the name of its data.pkl."""
    names = archive.names
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if any(n.endswith("/constants.pkl") for n in names):
        raise RuntimeError("ember.load: this file is a TorchScript archive (it has constants.pkl); ember loads "
                           "only tensors and state_dicts saved with torch.save/ember.save")
    if len(pkl) != 1 or not any(n.endswith("/version") for n in names):
        raise RuntimeError("ember.load: the archive has no data.pkl/version record: not a PyTorch checkpoint")
    return pkl[0][: -len("data.pkl")], pkl[0]


def _load_entries(archive: _Archive, unpickler):
    folder, pkl = _data_pkl(archive)
    names = archive.names
    byteorder = sys.byteorder
    if folder + "byteorder" in names:
        byteorder = archive.read(folder + "byteorder").decode("ascii", "replace")
        if byteorder not in ("little", "big"):
            raise RuntimeError(f"ember.load: unknown byteorder {byteorder[:20]!r}: the checkpoint is corrupted")

    def load_storage(key: str, dtype: np.dtype, numel: int) -> np.ndarray:
        if numel < 0:
            raise RuntimeError(f"ember.load: storage data/{key} declares {numel} elements: the checkpoint is "
                               "corrupted")
        array = archive.read_array(f"{folder}data/{key}", dtype, numel)
        if byteorder != sys.byteorder and dtype.itemsize > 1:
            array.byteswap(inplace=True)
        return array

    return unpickler(io.BytesIO(archive.read(pkl)), load_storage).load()


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """The globals of the checkpoint ``f`` that ``load(weights_only=True)`` would refuse, as ``"module.name"``
    strings (PyTorch's names as the file writes them); the file is only scanned, nothing in it runs."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return get_unsafe_globals_in_checkpoint(fh)
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    data = _open_zip(f, lambda archive: archive.read(_data_pkl(archive)[1]))
    found, strings = [], []
    for opcode, arg, _pos in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            module, name = arg.split(" ", 1)
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            module, name = strings[-2], strings[-1]
        else:
            if isinstance(arg, str):
                strings.append(arg)
            continue
        module = "builtins" if module == "__builtin__" else module
        if (module, name) not in ALLOWED and (module, name) not in SAFE_GLOBALS and f"{module}.{name}" not in found:
            found.append(f"{module}.{name}")
    return found
