"""``ember.vision``: torchvision's datasets, models, transforms and image utilities for ember (Pillow is the image
extra)."""
from . import datasets, models, transforms, utils  # noqa: F401
