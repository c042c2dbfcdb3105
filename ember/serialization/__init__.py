"""``ember.save`` / ``ember.load`` in PyTorch's zip checkpoint format (readable by ``torch.load(weights_only=True)``).

Layout (see PyTorch's serialization): a stored (uncompressed) zip whose entries sit under one folder:
``data.pkl`` (protocol-2 pickle), ``byteorder``, ``data/<key>`` raw little-endian storage bytes aligned to 64 bytes,
and ``version``. Saving writes a temporary file and renames it, so a crash never leaves a truncated checkpoint; the
file gets the mode a plain ``open`` gives (0o666 less the umask), as with ``torch.save``.
"""
from __future__ import annotations

import io
import os
import secrets
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

from .._device import device
from ._pickle_writer import CheckpointWriter
from ._unpickler import CheckpointUnpickler

__all__ = ["save", "load"]

_ALIGN = 64


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
    """Save ``obj`` (tensors, state_dicts, containers, numbers, strings) to a path or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        # not tempfile.mkstemp: its files are 0o600, where os.open lets the umask decide as open() does
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_zip(out, path.stem or "archive", obj)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        _write_zip(f, "archive", obj)


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
    global is refused with an error naming it, and no code from the file ever runs.
    """
    _check_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_zip(io.BytesIO(fh.read()))
    data = f.read()
    return _load_zip(io.BytesIO(data))


def _load_zip(buffer: io.BytesIO):
    if buffer.getvalue()[:4] != b"PK\x03\x04":
        raise RuntimeError("ember.load: not a zip checkpoint. Only PyTorch's zip format (the default since "
                           "PyTorch 1.6) can be loaded; re-save the file with torch.save in a current PyTorch")
    with zipfile.ZipFile(buffer) as zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if any(n.endswith("/constants.pkl") for n in names):
            raise RuntimeError("ember.load: this file is a TorchScript archive (it has constants.pkl); ember loads "
                               "only tensors and state_dicts saved with torch.save/ember.save")
        if len(pkl) != 1 or not any(n.endswith("/version") for n in names):
            raise RuntimeError("ember.load: the archive has no data.pkl/version record: not a PyTorch checkpoint")
        folder = pkl[0][: -len("data.pkl")]
        byteorder = zf.read(folder + "byteorder").decode() if folder + "byteorder" in names else sys.byteorder

        def load_storage(key: str, dtype: np.dtype, numel: int) -> np.ndarray:
            raw = zf.read(f"{folder}data/{key}")
            if len(raw) != numel * dtype.itemsize:
                raise RuntimeError(f"ember.load: storage data/{key} holds {len(raw)} bytes, expected "
                                   f"{numel * dtype.itemsize}: the checkpoint is corrupted")
            array = np.frombuffer(bytearray(raw), dtype=dtype.newbyteorder("<" if byteorder == "little" else ">"))
            return array.astype(dtype, copy=False)

        return CheckpointUnpickler(io.BytesIO(zf.read(pkl[0])), load_storage).load()
