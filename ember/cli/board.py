"""``ember train --tensorboard DIR``: what the run shows in TensorBoard. Scalars: the training loss and learning
rate at every step, the test loss and accuracy after each epoch (all on the same step axis: batches trained);
Images: the first batch of inputs as one grid; Graphs: the model traced on that batch; Text: the run's options."""
from __future__ import annotations

import argparse
import json

import numpy as np

from .data import NORMALIZATION
from .errors import CommandError

# the input grid: 8 x 8 images at most
_GRID_IMAGES = 64


class TrainingBoard:
    """A ``SummaryWriter`` on ``--tensorboard DIR`` with the few calls ``ember train`` makes."""

    def __init__(self, args: argparse.Namespace, steps_per_epoch: int, purge_step: int | None) -> None:
        # tensorboard is an optional extra: loaded only when --tensorboard asks for it
        try:
            from ..utils.tensorboard import SummaryWriter
        except ModuleNotFoundError as e:
            raise CommandError("--tensorboard needs the tensorboard package: pip install 'ember[tensorboard]' "
                               "(or pip install tensorboard)") from e
        try:
            self.writer = SummaryWriter(args.tensorboard, purge_step=purge_step)
        except OSError as e:
            raise CommandError(f"cannot write to --tensorboard {args.tensorboard}: {e.strerror or e}") from e
        self.steps_per_epoch = steps_per_epoch
        self.mean, self.std = (np.asarray(v, dtype=np.float32).reshape(1, -1, 1, 1)
                               for v in NORMALIZATION[args.dataset])
        self.first_batch_logged = False
        self.writer.add_text("options", "```\n" + json.dumps(vars(args), indent=2) + "\n```", purge_step or 0)

    def step(self, epoch: int, batch: int, model, x, loss: float, lr: float) -> None:
        """After training step ``batch`` (0-based) of ``epoch``: its loss and learning rate; with the first step this
        run makes, the input grid and the graph."""
        step = epoch * self.steps_per_epoch + batch + 1
        if not self.first_batch_logged:
            self.first_batch_logged = True
            # undo the normalisation: the dataset's own 0..255 pixels
            pixels = (x.detach().numpy()[:_GRID_IMAGES] * self.std + self.mean) * 255
            self.writer.add_images("inputs", np.rint(pixels).clip(0, 255).astype(np.uint8), step)
            try:
                self.writer.add_graph(model, x)
            except RuntimeError as e:  # a forward the trace cannot follow costs the graph, not the run
                print(f"TensorBoard graph not written: {e}", flush=True)
        self.writer.add_scalar("loss/train", loss, step)
        self.writer.add_scalar("learning_rate", lr, step)

    def epoch(self, epoch: int, record: dict) -> None:
        """After evaluating ``epoch`` (1-based): the record ``ember train`` keeps in history.json."""
        step = epoch * self.steps_per_epoch
        self.writer.add_scalar("loss/test", record["test_loss"], step)
        self.writer.add_scalar("loss/train_epoch", record["train_loss"], step)
        self.writer.add_scalar("accuracy/test", record["test_accuracy"], step)
        self.writer.flush()

    def __enter__(self) -> "TrainingBoard":
        return self

    def __exit__(self, *exc) -> None:
        self.writer.close()


__all__ = ["TrainingBoard"]
