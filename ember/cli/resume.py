"""``ember train --resume``: reading the checkpoint of a run, and continuing the run with the options saved in it."""
from __future__ import annotations

import argparse
import io
from pathlib import Path

from .._tensor import Tensor
from ..serialization import load
from .errors import CommandError

CHECKPOINT = "checkpoint.pth"
# The options that define a run (its weights, data order and curves depend on them): a resumed run keeps them.
FIXED = ("model", "dataset", "optimizer", "lr", "momentum", "batch_size", "seed", "limit_train", "limit_test")
# The options a resumed run takes from its checkpoint unless they are given again.
CARRIED = ("epochs", "data_root", "workers")
_ENTRIES = {"model", "optimizer", "epoch", "batch", "history", "partial", "args"}


def read_checkpoint(path: str) -> dict:
    """The checkpoint ``ember train`` saved at ``path``, or a CommandError saying what the file is instead."""
    file = Path(path)
    if file.is_dir():
        hint = f"; did you mean --resume {file / CHECKPOINT}?" if (file / CHECKPOINT).is_file() else ""
        raise CommandError(f"--resume {path} is a directory, not a checkpoint file{hint}")
    try:
        data = file.read_bytes()
    except OSError as e:
        raise CommandError(f"cannot read --resume {path}: {e.strerror or e}") from e
    try:
        state = load(io.BytesIO(data))
    except Exception as e:  # whatever fails while decoding it, the file the user named is at fault
        raise CommandError(f"--resume {path} is damaged or not a checkpoint ({e})") from e
    if isinstance(state, dict) and state and all(isinstance(v, Tensor) for v in state.values()):
        raise CommandError(f"--resume {path} holds only model weights (a state_dict); resuming needs the "
                           f"{CHECKPOINT} that ember train writes, with the optimizer state and the run's options")
    if not (isinstance(state, dict) and _ENTRIES <= state.keys() and isinstance(state["args"], dict)
            and set(FIXED + CARRIED) <= state["args"].keys()):
        raise CommandError(f"--resume {path} is not a checkpoint written by ember train")
    return state


def _as_option(name: str, value) -> str:
    flag = "--" + name.replace("_", "-")
    return f"no {flag}" if value is None else f"{flag} {value}"


def continue_run(args: argparse.Namespace, given: set[str], state: dict) -> None:
    """Give ``args`` the saved run's options, refusing given ones that contradict them and an ``--epochs`` reached."""
    saved = state["args"]
    conflicts = [name for name in FIXED if name in given and getattr(args, name) != saved[name]]
    if conflicts:
        ours = " ".join(_as_option(name, getattr(args, name)) for name in conflicts)
        theirs = ", ".join(_as_option(name, saved[name]) for name in conflicts)
        raise CommandError(f"{ours} does not match the run saved in {args.resume} ({theirs}); leave it out to continue "
                           "that run, or start a new run without --resume", status=2)
    for name in FIXED + CARRIED:
        if name not in given:
            setattr(args, name, saved[name])
    epoch, batch = state["epoch"], state["batch"]
    if args.epochs <= epoch and batch == 0:
        raise CommandError(f"the run saved in {args.resume} is complete (--epochs {epoch}); give --epochs N with "
                           f"N > {epoch} to train further", status=2)
    if args.epochs <= epoch:
        raise CommandError(f"the run saved in {args.resume} stopped during epoch {epoch + 1}; --epochs must be at "
                           f"least {epoch + 1}", status=2)


__all__ = ["CARRIED", "CHECKPOINT", "FIXED", "continue_run", "read_checkpoint"]
