"""``ember.backends.mkl``: ember does not link MKL itself (NumPy's BLAS does the GEMMs)."""


def is_available() -> bool:
    return False
