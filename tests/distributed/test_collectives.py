"""Every collective and point-to-point call on two real MPI ranks, against NumPy (workers/collectives.py)."""
from .launch import checks_of

launched, test_check_passes_on_two_ranks = checks_of("collectives.py")
