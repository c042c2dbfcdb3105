"""The ops behind ``ember.nn.functional``, one module or sub-package per family (forward and backward together).

Families of one file sit here flat; ``conv``, ``pool``, ``loss`` and ``norm`` are packages whose ``__init__``
gathers their public functions. ``ember.nn.functional`` re-exports them under PyTorch's names.
"""
