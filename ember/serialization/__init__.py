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
import secrets
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._device import device
from ._pickle_writer import CheckpointWriter
from ._unpickler import CheckpointUnpickler

__all__ = ["save", "load"]

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


def _write_zip(fileobj, folder: str, obj) -> None:
    writer = CheckpointWriter()
    pickled = writer.dumps(obj)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED) as zf:
        _aligned_entry(zf, f"{folder}/data.pkl", pickled)
        _aligned_entry(zf, f"{folder}/byteorder", b"little")
        for key, array in writer.storages.items():
            _aligned_entry(zf, f"{folder}/data/{key}", array.astype(array.dtype.newbyteorder("<")).tobytes())
        _aligned_entry(zf, f"{folder}/version", b"3\n")


def save(obj, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` (tensors, state_dicts, containers, numbers, strings) to a path or a binary file object.

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

    Only tensors, containers and plain values are accepted whatever ``weights_only`` says: a file naming any other
    global is refused with an error naming it, and no code from the file ever runs. A malformed file raises
    ``RuntimeError`` (archive, storage or view) or ``pickle.UnpicklingError`` (data.pkl), nothing else.
    """
    _check_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_zip(fh)
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_zip(f)


def _archive_error(e: Exception) -> RuntimeError:
    return RuntimeError(f"ember.load: the checkpoint's zip archive is corrupted ({type(e).__name__}: {e})")


def _load_zip(fileobj):
    start = fileobj.tell()
    if fileobj.read(4) != b"PK\x03\x04":
        raise RuntimeError("ember.load: not a zip checkpoint. Only PyTorch's zip format (the default since "
                           "PyTorch 1.6) can be loaded; re-save the file with torch.save in a current PyTorch")
    archive_size = fileobj.seek(0, io.SEEK_END) - start
    fileobj.seek(start)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            return _load_entries(_Archive(zf, archive_size))
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


def _load_entries(archive: _Archive):
    names = archive.names
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if any(n.endswith("/constants.pkl") for n in names):
        raise RuntimeError("ember.load: this file is a TorchScript archive (it has constants.pkl); ember loads "
                           "only tensors and state_dicts saved with torch.save/ember.save")
    if len(pkl) != 1 or not any(n.endswith("/version") for n in names):
        raise RuntimeError("ember.load: the archive has no data.pkl/version record: not a PyTorch checkpoint")
    folder = pkl[0][: -len("data.pkl")]
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

    return CheckpointUnpickler(io.BytesIO(archive.read(pkl[0])), load_storage).load()
