"""``ember.vision``: torchvision's datasets, transforms and image utilities for ember (Pillow is the image extra)."""
from . import datasets, transforms, utils  # noqa: F401
