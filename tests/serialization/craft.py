"""Hand-built checkpoints in PyTorch's layout (zip of data.pkl, byteorder, data/<key>, version), for the tests and
the fuzzer: one storage and one tensor view of it whose storage offset, size and stride are chosen by the caller.
"""
from __future__ import annotations

import io
import pickle
import zipfile

from ember.serialization import _aligned_entry


def _int(value: int) -> bytes:
    data = pickle.encode_long(value)
    return pickle.LONG1 + bytes([len(data)]) + data


def _ints(values) -> bytes:
    return pickle.MARK + b"".join(_int(v) for v in values) + pickle.TUPLE


def tensor_pickle(storage_class: str, numel: int, offset: int, size, stride, key: str = "0") -> bytes:
    """data.pkl for ``{'t': _rebuild_tensor_v2(storage(key), offset, size, stride, False, OrderedDict())}``."""
    def text(s: str) -> bytes:
        return pickle.BINUNICODE + len(s.encode()).to_bytes(4, "little") + s.encode()

    storage = (pickle.MARK + text("storage") + pickle.GLOBAL + f"torch\n{storage_class}\n".encode() + text(key)
               + text("cpu") + _int(numel) + pickle.TUPLE + pickle.BINPERSID)
    tensor = (pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n" + pickle.MARK + storage + _int(offset)
              + _ints(size) + _ints(stride) + pickle.NEWFALSE + pickle.GLOBAL + b"collections\nOrderedDict\n"
              + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.TUPLE + pickle.REDUCE)
    return pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + text("t") + tensor + pickle.SETITEM + pickle.STOP


def archive(pickled: bytes, storages: dict[str, bytes], folder: str = "archive") -> bytes:
    """A checkpoint laid out as torch.save and ember.save write it (stored entries, 64-byte aligned)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        _aligned_entry(zf, f"{folder}/data.pkl", pickled)
        _aligned_entry(zf, f"{folder}/byteorder", b"little")
        for key, data in storages.items():
            _aligned_entry(zf, f"{folder}/data/{key}", data)
        _aligned_entry(zf, f"{folder}/version", b"3\n")
    return buf.getvalue()


def view_checkpoint(storage_bytes: bytes, offset: int, size, stride, storage_class: str = "FloatStorage",
                    itemsize: int = 4, numel: int | None = None) -> bytes:
    """A checkpoint holding one view ``{'t': ...}`` of a storage with the given bytes."""
    numel = len(storage_bytes) // itemsize if numel is None else numel
    return archive(tensor_pickle(storage_class, numel, offset, size, stride), {"0": storage_bytes})
