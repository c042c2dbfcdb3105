"""``ember.utils.tensorboard``: ``SummaryWriter`` for TensorBoard, as ``torch.utils.tensorboard``.

Needs the ``tensorboard`` package (``pip install 'ember[tensorboard]'``), not TensorFlow. Loaded only when used, so
``import ember`` does not pay for TensorBoard's protobufs.
"""
try:
    import tensorboard  # noqa: F401
except ModuleNotFoundError as e:
    raise ModuleNotFoundError("ember.utils.tensorboard needs the tensorboard package: pip install "
                              "'ember[tensorboard]' (or pip install tensorboard)", name=e.name) from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
