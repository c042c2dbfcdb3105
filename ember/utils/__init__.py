"""``ember.utils``: data loading (``ember.utils.data``), hook handles (``ember.utils.hooks``), TensorBoard logging
(``ember.utils.tensorboard``), safetensors files (``ember.utils.safetensors``) and the model table
(``ember.utils.summary``).

Autograd imports ``hooks`` while ``import ember`` runs, so this package loads ``data`` (DataLoader, workers,
multiprocessing), ``tensorboard``, ``safetensors`` and ``summary`` only when first used.
"""
import importlib


def __getattr__(name: str):
    if name in ("data", "tensorboard", "safetensors", "checkpoint"):
        return importlib.import_module(f"ember.utils.{name}")
    if name == "summary":  # loads the tracer and nn
        return importlib.import_module("ember.utils._summary").summary
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
