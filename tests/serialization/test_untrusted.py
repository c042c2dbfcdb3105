"""Crafted and unusual checkpoints: every storage view is checked before it is built, archive records within a
budget, PyTorch's exception types (torch is the oracle on the same bytes), and save's fidelity (sharing, symlinks,
complex numbers, temporary files)."""
import collections
import io
import os
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

import ember
from serialization.craft import archive, view_checkpoint

BAD_VIEWS = {
    "shape_past_storage": (4, 0, (200000,), (1,), "Trying to resize storage that is not resizable"),
    "huge_stride": (8, 0, (2,), (10 ** 11,), "Trying to resize storage that is not resizable"),
    "negative_stride": (16, 3, (4,), (-1,), r"Storage size calculation overflowed with sizes=\[4\]"),
    "offset_past_end": (16, 5, (1,), (1,), "Trying to resize storage that is not resizable"),
    "negative_offset": (16, -1, (1,), (1,), "Tensor: invalid storage offset -1"),
    "shape_over_empty_storage": (0, 0, (10 ** 8,), (1,), "Trying to resize storage that is not resizable"),
    "negative_size": (16, 0, (-1,), (1,), "numel: integer multiplication overflow"),
    "numel_overflow": (16, 0, (2 ** 62, 4), (1, 1), "numel: integer multiplication overflow"),
    "extent_overflow": (16, 0, (2, 2), (2 ** 63 - 1, 1), "Storage size calculation overflowed"),
    "size_stride_lengths": (16, 0, (2, 2), (1,), r"unequal size length \(2\) and stride length \(1\)"),
    "scalar_past_end": (16, 4, (), (), "Trying to resize storage that is not resizable"),
}


@pytest.mark.parametrize("nbytes,offset,size,stride,message", BAD_VIEWS.values(), ids=BAD_VIEWS.keys())
def test_views_outside_their_storage_are_refused_as_by_torch(nbytes, offset, size, stride, message):
    data = view_checkpoint(bytes(range(nbytes)), offset, size, stride)
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(data), weights_only=True)
    with pytest.raises(RuntimeError, match=message):
        ember.load(io.BytesIO(data))


GOOD_VIEWS = {"full": (0, (4,), (1,)), "strided_to_last": (1, (2,), (2,)), "empty_past_end": (100, (0,), (1,)),
              "empty_huge_stride": (0, (0, 5), (10 ** 15, 1)), "scalar_last": (3, (), ()),
              "broadcast": (2, (3, 2), (0, 1))}


@pytest.mark.parametrize("offset,size,stride", GOOD_VIEWS.values(), ids=GOOD_VIEWS.keys())
def test_views_inside_their_storage_load_as_in_torch(offset, size, stride):
    data = view_checkpoint(np.arange(4, dtype=np.float32).tobytes(), offset, size, stride)
    expected = torch.load(io.BytesIO(data), weights_only=True)["t"]
    loaded = ember.load(io.BytesIO(data))["t"]
    assert loaded.shape == tuple(expected.shape) and loaded.tolist() == expected.tolist()


def _rewrite(data: bytes, change) -> bytes:
    """The archive with each record passed through ``change(name, bytes) -> bytes`` (stored, as torch writes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        entries = {n: change(n, zin.read(n)) for n in zin.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, d in entries.items():
            zout.writestr(n, d, compress_type=zipfile.ZIP_DEFLATED if n.endswith("data/0") else zipfile.ZIP_STORED)
    return out.getvalue()


def test_zip_bomb_is_refused_before_decompressing():
    numel = 5 << 22  # 80 MiB of float32 zeros (past the 64 MiB slack), compressed to about 80 KB
    with zipfile.ZipFile(io.BytesIO(view_checkpoint(b"", 0, (numel,), (1,), numel=numel))) as zf:
        pkl = zf.read("archive/data.pkl")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/version", b"3\n")
        info = zipfile.ZipInfo("archive/data/0")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as entry:
            for _ in range(5):
                entry.write(bytes(1 << 24))
    assert len(out.getvalue()) < 1 << 20
    with pytest.raises(RuntimeError, match="past the .*-byte budget"):
        ember.load(io.BytesIO(out.getvalue()))


def test_record_sizes_must_match_the_storage_the_pickle_names():
    data = view_checkpoint(bytes(16), 0, (4,), (1,), numel=1 << 40)
    with pytest.raises(RuntimeError, match="expected 4398046511104"):
        ember.load(io.BytesIO(data))


def test_compressed_records_still_load():
    buf = io.BytesIO()
    torch.save({"w": torch.arange(1000.0)}, buf)
    data = _rewrite(buf.getvalue(), lambda n, d: d)
    assert ember.load(io.BytesIO(data))["w"].tolist() == list(np.arange(1000.0))


@pytest.mark.parametrize("state", [b"K\x05", b"]", b"N}\x86"], ids=["int", "list", "slots"])
def test_build_on_ordered_dict_with_a_bad_state_is_an_unpickling_error(state):
    pickled = (pickle.PROTO + b"\x02" + pickle.GLOBAL + b"collections\nOrderedDict\n" + pickle.EMPTY_TUPLE
               + pickle.REDUCE + state + pickle.BUILD + pickle.STOP)
    with pytest.raises(pickle.UnpicklingError, match="BUILD of a OrderedDict"):
        ember.load(io.BytesIO(archive(pickled, {})))


def test_large_memo_index_and_bytearray_size_allocate_nothing():
    memo = pickle.PROTO + b"\x02" + pickle.NONE + pickle.LONG_BINPUT + b"\xff\xff\xff\x7f" + pickle.STOP
    assert ember.load(io.BytesIO(archive(memo, {}))) is None
    alloc = (pickle.PROTO + b"\x02" + pickle.GLOBAL + b"__builtin__\nbytearray\n" + pickle.BININT
             + (1 << 30).to_bytes(4, "little") + pickle.TUPLE1 + pickle.REDUCE + pickle.STOP)
    with pytest.raises(pickle.UnpicklingError, match="bytearray of a int"):
        ember.load(io.BytesIO(archive(alloc, {})))


@pytest.mark.parametrize("obj", [{1, 2}, frozenset({3}), 1 + 2j, bytearray(b"ab"), {"c": [1j, {0.5}]}],
                         ids=["set", "frozenset", "complex", "bytearray", "nested"])
def test_torch_files_with_builtin_globals_load(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    assert ember.load(io.BytesIO(buf.getvalue())) == obj


def test_bfloat16_storage_loads_as_bfloat16():
    source = torch.tensor([1.5, -2.25, 3e38, 1e-30], dtype=torch.bfloat16)
    buf = io.BytesIO()
    torch.save({"b": source, "view": source[1::2]}, buf)
    loaded = ember.load(io.BytesIO(buf.getvalue()))
    assert loaded["b"].dtype == ember.bfloat16 and loaded["b"].tolist() == source.tolist()
    assert loaded["view"].tolist() == source[1::2].tolist()


def test_bfloat16_storage_without_ml_dtypes_loads_widened_to_float32_exactly(monkeypatch):
    def missing():
        raise ImportError("no ml_dtypes")

    monkeypatch.setattr(ember._dtype, "bfloat16_numpy", missing)
    source = torch.tensor([1.5, -2.25, 3e38, 1e-30], dtype=torch.bfloat16)
    buf = io.BytesIO()
    torch.save({"b": source}, buf)
    with pytest.warns(UserWarning, match="bfloat16 tensors are loaded as float32"):
        loaded = ember.load(io.BytesIO(buf.getvalue()))
    assert loaded["b"].dtype == ember.float32 and loaded["b"].tolist() == source.float().tolist()


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_complex_storages_load_as_torch_saved_them(dtype):
    buf = io.BytesIO()
    torch.save({"z": torch.tensor([[1 + 2j, -3j], [0, 4]], dtype=dtype).t()}, buf)
    loaded = ember.load(io.BytesIO(buf.getvalue()))["z"]
    assert str(loaded.dtype) == f"ember.{str(dtype).split('.')[1]}" and loaded.tolist() == [[1 + 2j, 0], [-3j, 4]]


def test_complex32_storage_names_the_dtype():
    storage = view_checkpoint(bytes(8), 0, (2,), (1,), storage_class="ComplexHalfStorage")
    with pytest.raises(RuntimeError, match="holds torch.complex32.*no complex32 dtype"):
        ember.load(io.BytesIO(storage))


def test_complex_number_round_trips_through_torch():
    buf = io.BytesIO()
    ember.save({"c": 1 + 2j}, buf)
    assert torch.load(io.BytesIO(buf.getvalue()), weights_only=True) == {"c": 1 + 2j}
    assert ember.load(io.BytesIO(buf.getvalue())) == {"c": 1 + 2j}


def test_save_keeps_a_view_and_its_base_on_one_storage():
    base = ember.arange(12.0).reshape(3, 4)
    obj = {"base": base, "view": base[1:, ::2], "t": base.t(), "other": ember.ones(2)}
    buf = io.BytesIO()
    ember.save(obj, buf)
    loaded = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    ptr = loaded["base"].untyped_storage().data_ptr()
    assert loaded["view"].untyped_storage().data_ptr() == ptr == loaded["t"].untyped_storage().data_ptr()
    assert loaded["other"].untyped_storage().data_ptr() != ptr
    assert (loaded["view"].storage_offset(), loaded["view"].stride()) == (4, (4, 2))
    for k in ("base", "view", "t"):
        assert loaded[k].tolist() == obj[k].tolist()
    again = ember.load(io.BytesIO(buf.getvalue()))
    again["base"][1, 0] = 100.0
    assert again["view"][0, 0].item() == 100.0 and again["t"][0, 1].item() == 100.0


def test_save_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "link.pth").symlink_to("target.pth")
    ember.save({"w": ember.ones(2)}, tmp_path / "link.pth")
    assert (tmp_path / "link.pth").is_symlink() and sorted(os.listdir(tmp_path)) == ["link.pth", "target.pth"]
    assert torch.load(tmp_path / "target.pth", weights_only=True)["w"].tolist() == [1.0, 1.0]


def test_failed_rename_removes_the_temporary_file(tmp_path):
    (tmp_path / "ck.pth").mkdir()
    with pytest.raises(IsADirectoryError):
        ember.save({"w": ember.ones(2)}, tmp_path / "ck.pth")
    assert os.listdir(tmp_path) == ["ck.pth"]


def test_ember_loads_its_own_shared_views_as_torch_saves_them():
    base = torch.arange(6.0)
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(a=base, b=base[2:4]), buf)
    loaded = ember.load(io.BytesIO(buf.getvalue()))
    loaded["a"][2] = -1.0
    assert loaded["b"].tolist() == [-1.0, 3.0]


def test_parameter_rebuilt_from_a_number_is_refused():
    """Found by the fuzzer: _rebuild_parameter(1.0, 2.0) made a Parameter that no storage backs."""
    pickled = (pickle.PROTO + b"\x02" + pickle.GLOBAL + b"torch._utils\n_rebuild_parameter\n" + pickle.BINFLOAT
               + struct.pack(">d", 1.0) + pickle.NEWTRUE + pickle.TUPLE2
               + pickle.REDUCE + pickle.STOP)
    with pytest.raises(pickle.UnpicklingError, match="_rebuild_parameter of a float"):
        ember.load(io.BytesIO(archive(pickled, {})))


def test_loading_reads_each_storage_without_an_extra_copy(tmp_path):
    torch.save({"w": torch.ones(8 << 20)}, tmp_path / "big.pt")  # 32 MiB
    tracemalloc.start()
    try:
        loaded = ember.load(tmp_path / "big.pt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert loaded["w"].shape == (8 << 20,) and peak < 36 << 20


def test_bytearray8_length_from_the_file_allocates_nothing():
    """Found by the fuzzer: BYTEARRAY8 naming 5.7 GB made the unpickler allocate it before reading."""
    pickled = pickle.PROTO + b"\x02" + pickle.BYTEARRAY8 + struct.pack("<Q", 5779554944) + pickle.STOP
    with pytest.raises(pickle.UnpicklingError, match="BYTEARRAY8"):
        ember.load(io.BytesIO(archive(pickled, {})))
