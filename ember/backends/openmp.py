"""``ember.backends.openmp``: ember's kernels use their own thread pool, not OpenMP."""


def is_available() -> bool:
    return False
