"""``ember.utils``: data loading (``ember.utils.data``) and hook handles (``ember.utils.hooks``).

Autograd imports ``hooks`` while ``import ember`` runs, so this package loads ``data`` (DataLoader, workers,
multiprocessing) only when it is first used.
"""
import importlib


def __getattr__(name: str):
    if name == "data":
        return importlib.import_module("ember.utils.data")
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
