"""Array kernels: the work inside ops, on NumPy arrays only (no Tensors, no autograd).

* ``conv``, ``norm``: one dispatcher per family that picks the compiled kernel or the NumPy one for a call;
* ``conv_im2col``, ``conv_nhwc``, ``conv_common``, ``norm_numpy``, ``pool``: the NumPy kernels;
* ``conv_native``, ``norm_native``: the compiled kernels' Python side (which cases they take, their calls);
* ``native``: loads the optional compiled library (``csrc/``, built by ``setup.py``);
* ``threads``: ``set_num_threads`` / ``get_num_threads``, the one knob over every thread ember's kernels use.

This package imports nothing from ember outside itself.
"""
