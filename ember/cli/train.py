"""``ember train``: the training loop with progress, per-epoch evaluation, atomic checkpoints and exact resume.

Determinism: the model is initialised from ``--seed`` and each epoch visits the data in a permutation drawn from a
generator seeded by (seed, epoch), so a run resumed from any checkpoint — even one written by Ctrl-C in the middle
of an epoch — continues bit-for-bit as if it had never stopped.

Ctrl-C: the first one stops the run after the current training step (or once the epoch being evaluated is saved),
writes a checkpoint and says how to resume; a second one stops at once, keeping the last checkpoint. Either way the
run ends with one ``ember train: interrupted ...`` line on stderr and status 130.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import sys
import tempfile
import time
from pathlib import Path

from .. import _random, nn, no_grad, optim
from ..ops.kernels import native
from ..serialization import save
from ..utils.data import DataLoader
from ..utils._summary import summary
from . import data as train_data, ranks
from .board import TrainingBoard
from .errors import CommandError
from .models import MODELS
from .resume import CHECKPOINT

HISTORY = "history.json"
CURVES = "curves.png"


def _epoch_order(seed: int, epoch: int, n: int) -> list[int]:
    gen = _random.Generator().manual_seed(seed * 100_003 + epoch)
    return gen.permutation(n).tolist()


def _optimizer(args, params):
    if args.optimizer == "adam":
        return optim.Adam(params, lr=args.lr)
    return optim.SGD(params, lr=args.lr, momentum=args.momentum)


def evaluate(model, dataset, batch_size: int = 1000) -> tuple[int, int, float]:
    """(correct, total, mean loss) over ``dataset``."""
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    criterion = nn.CrossEntropyLoss(reduction="sum")
    with no_grad():
        for start in range(0, len(dataset), batch_size):
            x, y = dataset.__getitems__(list(range(start, min(start + batch_size, len(dataset)))))
            logits = model(x)
            loss_sum += criterion(logits, y).item()
            correct += int((logits.argmax(1) == y).sum().item())
            total += len(y)
    model.train()
    return correct, total, loss_sum / max(total, 1)


class _Progress:
    """A tqdm bar with live loss and throughput, or plain lines when tqdm is missing or switched off."""

    def __init__(self, total: int, epoch: int, epochs: int, enabled: bool) -> None:
        self.bar = None
        self.epoch, self.epochs, self.total = epoch, epochs, total
        if enabled:
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=True)
            except ModuleNotFoundError:
                pass
        self.last_print = time.perf_counter()

    def update(self, done: int, loss: float, samples_per_s: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{samples_per_s:.0f}", refresh=False)
        elif time.perf_counter() - self.last_print > 5 or done == self.total:
            self.last_print = time.perf_counter()
            print(f"epoch {self.epoch + 1}/{self.epochs} batch {done}/{self.total} loss {loss:.4f} "
                  f"({samples_per_s:.0f} img/s)", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _save_curves(history: list[dict], out: Path) -> Path | None:
    """Plot the loss and accuracy curves to ``out/curves.png``; None when matplotlib (an optional extra) is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError:
        return None
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker="o", label="train")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], marker="o", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], marker="o", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="%", title="test accuracy")
    fig.tight_layout()
    path = out / CURVES
    tmp = out / f".{CURVES}.tmp"
    fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path


class _StopFlag:
    """Turns the first Ctrl-C into a request to stop at the next checkpoint (a second one raises KeyboardInterrupt)."""

    requested = False

    def __enter__(self) -> "_StopFlag":
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._previous)


def _prepare_out(out: Path) -> None:
    """Create ``out`` and write a file there now, so that a bad ``--out`` fails before any time is spent training."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise CommandError(f"cannot write to --out {out}: {e.strerror or e}") from e
    for name in (CHECKPOINT, HISTORY, CURVES):
        if (out / name).is_dir():
            raise CommandError(f"--out {out} holds a directory named {name}, where the run writes a file")


def _interrupted(message: str) -> int:
    """Report a Ctrl-C in one line on stderr; returns the shell's status for it (128 + SIGINT)."""
    print(f"ember train: interrupted {message}", file=sys.stderr, flush=True)
    return 130


def run(args: argparse.Namespace, state: dict | None = None) -> int:
    """``ember train``: train, evaluate each epoch, checkpoint under ``args.out``; ``state`` is a run to continue.

    Returns the exit status: 0, or 130 when Ctrl-C stopped the run. Problems the user can fix raise CommandError.
    """
    out = Path(args.out)
    _prepare_out(out)
    if state is not None:
        ranks.check_resume(args, state)
    if args.nproc > 1 and not ranks.inside():
        return ranks.launch(args)
    rank, world = ranks.start() if ranks.inside() else (0, 1)
    try:
        train_set, channels, side = train_data.load(args.dataset, args.data_root, True, args.limit_train)
        test_set, _, _ = train_data.load(args.dataset, args.data_root, False, args.limit_test)
    except KeyboardInterrupt:
        return _interrupted("while loading the data; nothing was saved")

    _random.manual_seed(args.seed)
    model = MODELS[args.model](in_channels=channels, num_classes=10, image_size=side)
    optimizer = _optimizer(args, model.parameters())
    criterion = nn.CrossEntropyLoss()
    start_epoch, start_batch, history, partial = 0, 0, [], {"loss_sum": 0.0, "seen": 0}
    last_saved = None
    if state is not None:
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise CommandError(f"--resume {args.resume} does not fit the run it describes: {' '.join(str(e).split())}"
                               ) from e
        start_epoch, start_batch = state["epoch"], state["batch"]
        history, partial = state["history"], state["partial"]
        last_saved = args.resume
        print(f"Resumed {args.model} on {args.dataset} from {args.resume}: epoch {start_epoch + 1}, "
              f"batch {start_batch}")

    def checkpoint(epoch: int, batch: int) -> Path:
        if rank == 0:
            save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "batch": batch,
                  "history": history, "partial": partial, "args": vars(args)}, out / CHECKPOINT)
        return out / CHECKPOINT

    steps_per_epoch = math.ceil(len(train_set) / args.batch_size)
    # a resumed run hides what the interrupted one logged after its checkpoint
    purge_step = start_epoch * steps_per_epoch + start_batch + 1 if state is not None else None
    board = TrainingBoard(args, steps_per_epoch, purge_step) if args.tensorboard else None
    net = ranks.data_parallel(model) if world > 1 else model
    stop = _StopFlag()

    def stop_requested() -> bool:
        return ranks.agreed(stop.requested) if world > 1 else stop.requested

    print(f"Training {args.model} on {args.dataset}: {len(train_set)} train / {len(test_set)} test images, "
          f"{sum(p.numel() for p in model.parameters())} parameters, {args.epochs} epochs; {native.describe()}")
    if rank == 0:
        print(summary(model, input_size=(1, channels, side, side), verbose=0))
    with stop, board or contextlib.nullcontext():
        try:
            for epoch in range(start_epoch, args.epochs):
                order = _epoch_order(args.seed, epoch, len(train_set))
                if world > 1:
                    order = ranks.share(order, rank, world)
                first = start_batch if epoch == start_epoch else 0
                loader = DataLoader(train_set, batch_size=args.batch_size, sampler=order[first * args.batch_size:],
                                    collate_fn=train_data.identity_collate, num_workers=args.workers)
                progress = _Progress(first + len(loader), epoch, args.epochs, not args.no_progress)
                tic = time.perf_counter()
                try:
                    for batch, (x, y) in enumerate(loader, start=first):
                        optimizer.zero_grad()
                        loss = criterion(net(x), y)
                        loss.backward()
                        optimizer.step()
                        partial["loss_sum"] += loss.item() * len(y)
                        partial["seen"] += len(y)
                        progress.update(batch + 1, partial["loss_sum"] / partial["seen"],
                                        (batch + 1 - first) * args.batch_size * world / (time.perf_counter() - tic))
                        if board is not None:
                            board.step(epoch, batch, model, x, loss.item(), optimizer.param_groups[0]["lr"])
                        start_batch = batch + 1
                        if stop_requested():
                            last_saved = checkpoint(epoch, start_batch)
                            return _interrupted(f"in epoch {epoch + 1}: checkpoint saved; continue with "
                                                f"ember train --resume {last_saved}")
                finally:
                    progress.close()
                # a Ctrl-C during the evaluation stops the run once this epoch is evaluated and saved
                correct, count, test_loss = evaluate(model, test_set)
                history.append({"epoch": epoch + 1, "train_loss": partial["loss_sum"] / max(partial["seen"], 1),
                                "test_loss": test_loss, "test_accuracy": correct / count,
                                "seconds": time.perf_counter() - tic})
                partial = {"loss_sum": 0.0, "seen": 0}
                start_batch = 0
                last_saved = checkpoint(epoch + 1, 0)
                if board is not None:
                    board.epoch(epoch + 1, history[-1])
                print(f"epoch {epoch + 1}: train loss {history[-1]['train_loss']:.4f}, test loss {test_loss:.4f}, "
                      f"test accuracy {100 * correct / count:.2f}% ({history[-1]['seconds']:.1f} s)", flush=True)
                if stop_requested() and epoch + 1 < args.epochs:
                    return _interrupted(f"after epoch {epoch + 1}: checkpoint saved; continue with "
                                        f"ember train --resume {last_saved}")
        except KeyboardInterrupt:
            hint = f"the last checkpoint is {last_saved}" if last_saved else "nothing was saved"
            return _interrupted(f"at once by a second Ctrl-C; {hint}")
    if rank == 0:
        (out / HISTORY).write_text(json.dumps(history, indent=2))
    curves = _save_curves(history, out) if rank == 0 else None
    if curves is None:
        print("Curves not plotted: matplotlib is not installed (pip install 'ember[plot]', or pip install matplotlib)")
    else:
        print(f"Curves saved to {curves}")
    # the model has not changed since the last epoch's evaluation: its figures are the final ones
    print(f"Test accuracy: {100 * correct / count:.2f}% ({correct}/{count})")
    return 0


__all__ = ["evaluate", "run"]
