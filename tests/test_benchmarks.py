"""The benchmark runner (``python -m benchmarks``): one quick workload end to end, its table row and its JSON; the
real-size workloads at tiny sizes on both libraries; ``--compare`` on saved runs; the memory measurement."""
import functools
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
from benchmarks import system, workloads as W
from benchmarks.__main__ import _suite, main


def test_runner_times_both_libraries_and_writes_json(tmp_path, capsys):
    path = tmp_path / "results.json"
    before = ember.get_num_threads(), torch.get_num_threads()
    try:
        assert main(["--only", "dispatch", "--rounds", "1", "--pause", "0", "--threads", "1", "--json",
                     str(path)]) == 0
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(before[0])
        torch.set_num_threads(before[1])
    printed = capsys.readouterr().out
    assert "ember threads: 1, torch threads: 1" in printed and "dispatch: 100 x mul" in printed
    results = json.loads(path.read_text())
    assert results["machine"]["ember_threads"] == results["machine"]["torch_threads"] == 1
    (row,) = results["results"]
    assert row["name"].startswith("dispatch") and row["ember_ms"] > 0 and row["torch_ms"] > 0
    assert row["ratio"] == row["ember_ms"] / row["torch_ms"]


def test_busy_keeps_spinning_processes_only_while_inside(monkeypatch):
    started = []
    real_popen = system.subprocess.Popen
    monkeypatch.setattr(system.subprocess, "Popen", lambda *a, **k: started.append(real_popen(*a, **k)) or started[-1])
    with system.busy(2):
        assert len(started) == 2 and all(p.poll() is None for p in started)
    assert all(p.poll() is not None for p in started)


_tiny_resnet = functools.partial(W.resnet18_cifar, width=4)


@pytest.mark.parametrize("make", [
    W.train_step(_tiny_resnet, 2),
    W.train_step(functools.partial(W.mnist_mlp, hidden=16), 3, (1, 28, 28)),
    W.dcgan_step(batch=2, nz=8, ngf=4, ndf=4),
    W.eval_forward(W.seed_lenet, 1),
    W.eval_forward(W.seed_cifar_quick, 2),
    W.eval_forward(_tiny_resnet, 2),
], ids=["resnet18 train", "mlp train", "dcgan step", "lenet eval", "cifar-quick eval", "resnet18 eval"])
def test_workload_runs_the_same_network_on_both_libraries(make):
    outputs = [make(lib)().detach().numpy() for lib in (ember, torch)]
    np.testing.assert_allclose(*outputs, rtol=1e-4, atol=1e-5)


def test_eval_forward_keeps_no_graph():
    out = W.eval_forward(_tiny_resnet, 1)(ember)()
    assert out.grad_fn is None and not out.requires_grad


def test_suite_names_are_unique_so_compare_can_match_them():
    names = [name for name, _, _ in _suite()]
    assert len(names) == len(set(names))


def _saved_run(path: Path, rows: list[tuple[str, float, float | None]]) -> str:
    path.write_text(json.dumps({"machine": {"ember_threads": 2, "torch_threads": 2}, "results": [
        {"name": name, "ember_ms": ember_ms, "torch_ms": torch_ms,
         "ratio": None if torch_ms is None else ember_ms / torch_ms} for name, ember_ms, torch_ms in rows]}))
    return str(path)


def test_compare_prints_the_change_per_workload_between_two_saved_runs(tmp_path, capsys):
    old = _saved_run(tmp_path / "old.json", [("step a", 10.0, 10.0), ("step b", 4.0, 2.0), ("gone", 1.0, 1.0)])
    new = _saved_run(tmp_path / "new.json", [("step a", 12.0, 10.0), ("step b", 3.0, None), ("added", 1.0, 1.0)])
    assert main(["--compare", old, "--against", new]) == 0
    lines = capsys.readouterr().out.splitlines()
    row_a = next(line for line in lines if line.startswith("step a")).split()
    row_b = next(line for line in lines if line.startswith("step b")).split()
    assert row_a[2:] == ["10.000", "12.000", "+20.0%", "1.00", "1.20", "slower"]
    assert row_b[2:] == ["4.000", "3.000", "-25.0%", "2.00", "-"]
    assert "only in the old run: gone" in lines and "only in the new run: added" in lines


def test_against_without_compare_is_an_error():
    with pytest.raises(SystemExit):
        main(["--against", "new.json"])


def test_train_memory_reports_peak_and_resident_size_after_the_marks():
    root = str(Path(__file__).resolve().parent.parent)
    report = system.train_memory_report(["ember"], root, [("LeNet", "seed_lenet", 2)], steps=3, mark=1)
    entry = report["LeNet"]["ember"]
    assert set(entry) == {"peak_mb", "rss_after_1_mb", "rss_after_3_mb", "flat"}
    assert entry["peak_mb"] >= entry["rss_after_1_mb"] * 0.99 > 0 and isinstance(entry["flat"], bool)
