"""``ember.backends.cpu``: what the CPU kernels were built for."""


def get_cpu_capability() -> str:
    """"DEFAULT": ember's kernels are NumPy's and a portable C library, not per-ISA builds."""
    return "DEFAULT"
