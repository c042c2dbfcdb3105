"""The benchmark runner (``python -m benchmarks``): one quick workload end to end, its table row and its JSON."""
import json

import torch

import ember
from benchmarks import system
from benchmarks.__main__ import main


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
