"""``ember.backends``: the switches PyTorch exposes per backend, answering for ember's NumPy CPU build.

The flags programs set (``cudnn.benchmark``, ``cudnn.deterministic``, ``mkldnn.enabled``...) are plain attributes
that keep what is assigned and change nothing: ember has none of these libraries, and its CPU results are
deterministic already. ``is_available()`` tells the truth about ember: no cuDNN, MPS, oneDNN, MKL or OpenMP.
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
