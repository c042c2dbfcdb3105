"""``python -m benchmarks`` (or ``make bench``): ember against PyTorch in the same run; a table and a JSON file.

Options: ``--rounds N`` (default 7), ``--quick`` (fewer rounds, no process-level measurements),
``--only SUBSTRING``, ``--threads N`` (``set_num_threads(N)`` for both libraries; default: each one's own choice),
``--torch-threads N`` (torch's alone), ``--pause S`` (idle seconds before each
sample, default 0.15), ``--busy N`` (N other processes keep the CPU busy while timing: how each library's defaults
hold up on a shared machine; use with ``--only "train step"``), ``--json PATH`` (default benchmarks/results.json),
``--memory`` (also the peak and the flatness of resident memory over 200 train steps of LeNet and ResNet-18, each
library in a fresh process; ``--memory --only none`` measures memory alone), ``--compare OLD.json`` (after the run,
ember's change per workload against a saved run), ``--compare OLD.json --against NEW.json`` (two saved runs,
nothing timed).

Every sample follows a pause and an untimed call (see ``harness``), so that one library's spinning worker threads
do not slow the other's sample. On a loaded machine, ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` (one thread for
PyTorch, NumPy's BLAS and ember's compiled kernels) still gives the steadiest ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import ember

from . import layers, system, workloads as W
from .change import change_rows
from .harness import NAME_WIDTH, PAUSE_S, Result, compare


def _suite():
    """(name, make, target ratio) for every timed workload."""
    return [
        ("dispatch: 100 x mul, fwd+bwd", W.dispatch(), 1.0),
        ("train step seed LeNet, batch 1", W.train_step(W.seed_lenet, 1), 1.0),
        ("train step seed LeNet, batch 64", W.train_step(W.seed_lenet, 64), 1.0),
        ("train step seed CIFAR-quick, batch 1", W.train_step(W.seed_cifar_quick, 1), 1.0),
        ("train step seed CIFAR-quick, batch 64", W.train_step(W.seed_cifar_quick, 64), 1.0),
        ("train step ResNet-18 (CIFAR), batch 32", W.train_step(W.resnet18_cifar, 32), 1.2),
        ("DCGAN 64x64 step (D and G, Adam), batch 64", W.dcgan_step(64), 1.2),
        ("train step MLP 784-512-512-10, batch 256", W.train_step(W.mnist_mlp, 256, (1, 28, 28)), 1.0),
        *[(f"eval {label}, batch {batch}", W.eval_forward(build, batch), 1.0)
          for label, build in (("seed LeNet", W.seed_lenet), ("seed CIFAR-quick", W.seed_cifar_quick),
                               ("ResNet-18 (CIFAR)", W.resnet18_cifar))
          for batch in (1, 64)],
        *layers.cases(),
        ("SGD momentum step, 1M params / 300", W.optimizer_step("sgd"), 2.0),
        ("Adam step, 1M params / 300", W.optimizer_step("adam"), 2.0),
        ("DataLoader epoch, 10k MNIST-size, b64", W.dataloader(), 2.0),
        ("randn 10^7 after manual_seed (bit-exact)", W.random_normals(), 2.0),
        ("LSTM 2x200, seq 35, batch 20, train step", W.recurrent_train_step("LSTM"), 1.5),
        ("GRU 2x200, seq 35, batch 20, train step", W.recurrent_train_step("GRU"), 1.5),
        ("LSTM 2x200 inference, batch 1, one step", W.lstm_inference_step(), 1.0),
        ("TransformerEncoder 2x128, seq 64, b16, train", W.transformer_train_step(), 1.5),
    ]


# (label, workloads network, batch) of the --memory runs
_MEMORY_RUNS = [("seed LeNet, batch 64", "seed_lenet", 64), ("ResNet-18 (CIFAR), batch 32", "resnet18_cifar", 32)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--threads", type=int, default=None,
                        help="set_num_threads for ember and torch before timing (default: each one's own choice)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads before timing (default: torch's own choice)")
    parser.add_argument("--pause", type=float, default=PAUSE_S, help="idle seconds before each sample")
    parser.add_argument("--busy", type=int, default=0, help="background processes spinning while timing")
    parser.add_argument("--json", default=str(Path(__file__).with_name("results.json")))
    parser.add_argument("--memory", action="store_true", help="measure train memory over 200 steps per library")
    parser.add_argument("--compare", metavar="OLD.json", help="print ember's change per workload against a saved run")
    parser.add_argument("--against", metavar="NEW.json", help="with --compare: compare two saved runs, time nothing")
    args = parser.parse_args(argv)
    if args.against and not args.compare:
        parser.error("--against needs --compare OLD.json")
    old = json.loads(Path(args.compare).read_text()) if args.compare else None
    if args.against:
        print("\n".join(change_rows(old, json.loads(Path(args.against).read_text()))))
        return 0
    rounds = 3 if args.quick else args.rounds
    libs = {"ember": ember}
    try:
        import torch

        if args.torch_threads or args.threads:
            torch.set_num_threads(args.torch_threads or args.threads)
        libs["torch"] = torch
    except ModuleNotFoundError:
        print("torch is not installed: timing ember alone")
    if args.threads:
        ember.set_num_threads(args.threads)
    threads = libs["torch"].get_num_threads() if "torch" in libs else None
    print(f"ember threads: {ember.get_num_threads()}, torch threads: {threads}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, busy processes: {args.busy}")
    print(Result.header())
    results: list[Result] = []
    with system.busy(args.busy):
        for name, make, target in _suite():
            if args.only and args.only not in name:
                continue
            try:
                result = compare(name, make, libs, rounds, target, args.pause)
            except Exception as e:  # a missing layer or op: report it and keep going
                print(f"{name:<{NAME_WIDTH}} failed: {type(e).__name__}: {e}")
                continue
            results.append(result)
            print(result.row(), flush=True)
    extra = {}
    root = str(Path(__file__).resolve().parent.parent)
    if not args.quick and not args.only:
        extra["import_s"] = {m: system.import_seconds(m) for m in libs}
        extra["peak_train_memory_mb"] = {m: system.peak_memory_mb(m, root) for m in libs}
        print(f"import time (s): {extra['import_s']}  (target: ember < 0.3)")
        print(f"peak memory of 30 LeNet train steps at batch 64 (MB): {extra['peak_train_memory_mb']}")
    if args.memory:
        extra["train_memory_mb"] = system.train_memory_report(list(libs), root, _MEMORY_RUNS)
        print("memory of 200 train steps, each in a fresh process (MB):")
        print("\n".join(system.memory_rows(extra["train_memory_mb"])))
    report = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                          "cpus": os.cpu_count(), "torch": getattr(libs.get("torch"), "__version__", None),
                          "ember_threads": ember.get_num_threads(), "torch_threads": threads,
                          "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"), "busy_processes": args.busy},
              "pause_s": args.pause,
              "results": [dict(r.__dict__, ratio=r.ratio, min_ratio=r.min_ratio) for r in results], **extra}
    tmp = Path(f"{args.json}.tmp")  # written whole, then renamed: an interrupted run leaves the old file
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, args.json)
    print(f"written {args.json}")
    if old is not None:
        print(f"change against {args.compare}:")
        print("\n".join(change_rows(old, report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
