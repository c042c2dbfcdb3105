"""ember.save / ember.load: PyTorch's zip checkpoint format both ways, safety, atomic writes."""
import collections
import io
import os
import pickle
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from oracle import assert_close

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_]


def _tensors():
    rng = np.random.default_rng(0)
    return {np.dtype(d).name: (rng.standard_normal((3, 4)) * 10).astype(d) for d in DTYPES}


@pytest.mark.parametrize("target", ["path", "buffer"])
def test_ember_checkpoint_loads_in_torch_weights_only(tmp_path, target):
    arrays = _tensors()
    state = collections.OrderedDict((k, ember.tensor(v)) for k, v in arrays.items())
    state["scalar"] = ember.tensor(2.5)
    state["empty"] = ember.zeros(0, 3)
    state["view"] = ember.arange(12).reshape(3, 4).t()
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    obj = {"model": state, "epoch": 3, "lr": 0.1, "betas": (0.9, 0.999), "name": "lenet", "ok": True, "none": None,
           "big": 2 ** 40, "neg": -5, "shape": ember.Size([2, 3]), "dtype": ember.float64, "raw": b"\x00\xff"}
    if target == "path":
        ember.save(obj, tmp_path / "ckpt.pth")
        loaded = torch.load(tmp_path / "ckpt.pth", weights_only=True)
    else:
        buf = io.BytesIO()
        ember.save(obj, buf)
        buf.seek(0)
        loaded = torch.load(buf, weights_only=True)
    for k, v in arrays.items():
        assert_close(state[k], loaded["model"][k])
    assert loaded["model"]["scalar"].shape == () and loaded["model"]["scalar"].item() == 2.5
    assert loaded["model"]["empty"].shape == (0, 3)
    assert loaded["model"]["view"].tolist() == np.arange(12).reshape(3, 4).T.tolist()
    assert loaded["model"]._metadata == state._metadata
    assert {k: loaded[k] for k in ("epoch", "lr", "betas", "name", "ok", "none", "big", "neg", "raw")} == \
        {"epoch": 3, "lr": 0.1, "betas": (0.9, 0.999), "name": "lenet", "ok": True, "none": None, "big": 2 ** 40,
         "neg": -5, "raw": b"\x00\xff"}
    assert loaded["shape"] == torch.Size([2, 3]) and loaded["dtype"] is torch.float64


def test_records_are_64_byte_aligned_under_the_file_stem(tmp_path):
    ember.save({"w": ember.randn(5)}, tmp_path / "model.pth")
    with zipfile.ZipFile(tmp_path / "model.pth") as zf:
        names = zf.namelist()
        assert names[0] == "model/data.pkl" and "model/version" in names and "model/data/0" in names
        for info in zf.infolist():
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert start % 64 == 0, info.filename


def test_torch_checkpoint_loads_in_ember(tmp_path):
    base = torch.arange(24, dtype=torch.float32).view(4, 6)
    obj = {"w": torch.randn(3, 4, dtype=torch.float64), "shared_a": base, "shared_b": base[1:, ::2],
           "i": torch.tensor([1, 2], dtype=torch.int32), "p": torch.nn.Parameter(torch.ones(2)),
           "size": torch.Size([3]), "list": [1, 2.0, "x"], "od": collections.OrderedDict(a=1)}
    torch.save(obj, tmp_path / "t.pt")
    loaded = ember.load(tmp_path / "t.pt")
    assert_close(loaded["w"], obj["w"])
    assert_close(loaded["shared_b"], obj["shared_b"].contiguous())
    assert_close(loaded["i"], obj["i"])
    assert isinstance(loaded["p"], nn.Parameter) and loaded["p"].requires_grad
    assert loaded["size"] == ember.Size([3]) and loaded["list"] == [1, 2.0, "x"]
    assert isinstance(loaded["od"], collections.OrderedDict)


def test_state_dict_round_trip_between_libraries(tmp_path):
    torch_net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    ember_net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    torch.save(torch_net.state_dict(), tmp_path / "t.pth")
    ember_net.load_state_dict(ember.load(tmp_path / "t.pth"))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert_close(ember_net(ember.tensor(x)), torch_net(torch.from_numpy(x)))
    ember.save(ember_net.state_dict(), tmp_path / "e.pth")
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    fresh.load_state_dict(torch.load(tmp_path / "e.pth", weights_only=True))
    assert_close(ember_net(ember.tensor(x)), fresh(torch.from_numpy(x)))


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > evil_marker",))


def test_malicious_pickle_is_refused_without_running_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"w": torch.ones(1), "payload": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        ember.load(tmp_path / "evil.pt")
    assert not (tmp_path / "evil_marker").exists()


def test_unsupported_objects_and_files_are_rejected(tmp_path):
    with pytest.raises(TypeError, match="cannot store an object of type"):
        ember.save({"f": lambda: 0}, tmp_path / "x.pth")
    assert not (tmp_path / "x.pth").exists() and os.listdir(tmp_path) == []
    (tmp_path / "legacy.pt").write_bytes(b"\x80\x02not a zip")
    with pytest.raises(RuntimeError, match="not a zip checkpoint"):
        ember.load(tmp_path / "legacy.pt")
    with pytest.raises(RuntimeError, match="GPU"):
        ember.load(io.BytesIO(b""), map_location="cuda:0")


def test_truncated_storage_is_reported_as_corruption(tmp_path):
    ember.save({"w": ember.randn(10)}, tmp_path / "c.pth")
    with zipfile.ZipFile(tmp_path / "c.pth") as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["c/data/0"] = entries["c/data/0"][:8]
    with zipfile.ZipFile(tmp_path / "c.pth", "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    with pytest.raises(RuntimeError, match="corrupted"):
        ember.load(tmp_path / "c.pth")


def test_failed_save_keeps_the_previous_checkpoint(tmp_path):
    ember.save({"v": 1}, tmp_path / "ck.pth")
    with pytest.raises(TypeError):
        ember.save({"v": 2, "bad": (i for i in ())}, tmp_path / "ck.pth")  # a generator cannot be pickled
    assert ember.load(tmp_path / "ck.pth") == {"v": 1}
    assert sorted(os.listdir(tmp_path)) == ["ck.pth"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], ids=oct)
def test_saved_file_mode_follows_the_umask_as_with_torch_save(tmp_path, umask):
    previous = os.umask(umask)
    try:
        ember.save({"w": ember.ones(2)}, tmp_path / "e.pth")
        torch.save({"w": torch.ones(2)}, tmp_path / "t.pth")
    finally:
        os.umask(previous)
    modes = [stat.S_IMODE(os.stat(tmp_path / name).st_mode) for name in ("e.pth", "t.pth")]
    assert modes == [0o666 & ~umask] * 2


def test_a_save_removes_temp_files_of_killed_saves_but_not_of_live_ones(tmp_path):
    # a save killed mid-way (kill -9) cannot remove its temporary file: the next save to that path does
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
        orphan = tmp_path / f".ck.pth.{dead}.0123456789abcdef.tmp"
        busy = tmp_path / f".ck.pth.{child.pid}.0123456789abcdef.tmp"
        other = tmp_path / f".other.pth.{dead}.0123456789abcdef.tmp"
        for p in (orphan, busy, other):
            p.write_bytes(b"partial")
        ember.save({"v": 1}, tmp_path / "ck.pth")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ck.pth", busy.name, other.name])
    finally:
        child.kill()
        child.wait()
