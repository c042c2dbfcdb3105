"""``python -m benchmarks`` (or ``make bench``): ember against PyTorch in the same run; a table and a JSON file.

Options: ``--rounds N`` (default 7), ``--quick`` (fewer rounds, no process-level measurements),
``--only SUBSTRING``, ``--json PATH`` (default benchmarks/results.json).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import ember

from . import system, workloads as W
from .harness import Result, compare


def _suite():
    """(name, make, target ratio) for every timed workload."""
    def conv(cin, cout, k, pad):
        return lambda lib: lib.nn.Conv2d(cin, cout, k, padding=pad)

    return [
        ("dispatch: 100 x mul, fwd+bwd", W.dispatch(), 1.0),
        ("train step seed LeNet, batch 1", W.train_step(W.seed_lenet, 1), 1.0),
        ("train step seed LeNet, batch 64", W.train_step(W.seed_lenet, 64), 2.0),
        ("train step seed CIFAR-quick, batch 1", W.train_step(W.seed_cifar_quick, 1), 1.0),
        ("train step seed CIFAR-quick, batch 64", W.train_step(W.seed_cifar_quick, 64), 2.0),
        ("Conv2d 3->6 k5, 64x3x32x32", W.layer_fwd_bwd(conv(3, 6, 5, 0), 64, 3, 32, 32), 2.0),
        ("Conv2d 32->32 k5 p2, 64x32x16x16", W.layer_fwd_bwd(conv(32, 32, 5, 2), 64, 32, 16, 16), 2.0),
        ("MaxPool2d 2, 64x32x32x32", W.layer_fwd_bwd(lambda lib: lib.nn.MaxPool2d(2), 64, 32, 32, 32), 2.0),
        ("BatchNorm2d 32, 64x32x16x16", W.layer_fwd_bwd(lambda lib: lib.nn.BatchNorm2d(32), 64, 32, 16, 16), 2.0),
        ("Linear 400->120, 64x400", W.layer_fwd_bwd(lambda lib: lib.nn.Linear(400, 120), 64, 400), 2.0),
        ("CrossEntropyLoss 64x10", W.cross_entropy(64, 10), 2.0),
        ("SGD momentum step, 1M params / 300", W.optimizer_step("sgd"), 2.0),
        ("Adam step, 1M params / 300", W.optimizer_step("adam"), 2.0),
        ("DataLoader epoch, 10k MNIST-size, b64", W.dataloader(), 2.0),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    libs = {"ember": ember}
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        libs["torch"] = torch
    except ModuleNotFoundError:
        print("torch is not installed: timing ember alone")
    print(f"{'workload':<42} {'ember ms':>10} {'torch ms':>10} {'ratio':>7}")
    results: list[Result] = []
    for name, make, target in _suite():
        if args.only and args.only not in name:
            continue
        try:
            result = compare(name, make, libs, rounds, target)
        except Exception as e:  # a missing layer or op: report it and keep going
            print(f"{name:<42} failed: {type(e).__name__}: {e}")
            continue
        results.append(result)
        print(result.row(), flush=True)
    extra = {}
    if not args.quick and not args.only:
        root = str(Path(__file__).resolve().parent.parent)
        extra["import_s"] = {m: system.import_seconds(m) for m in libs}
        extra["peak_train_memory_mb"] = {m: system.peak_memory_mb(m, root) for m in libs}
        print(f"import time (s): {extra['import_s']}  (target: ember < 0.3)")
        print(f"peak memory of 30 LeNet train steps at batch 64 (MB): {extra['peak_train_memory_mb']}")
    report = {"machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                          "cpus": os.cpu_count(), "torch": getattr(libs.get("torch"), "__version__", None)},
              "results": [dict(r.__dict__, ratio=r.ratio) for r in results], **extra}
    Path(args.json).write_text(json.dumps(report, indent=2))
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
