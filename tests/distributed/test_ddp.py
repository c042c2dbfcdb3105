"""DistributedDataParallel and SyncBatchNorm on two real MPI ranks, against one process (workers/ddp.py)."""
from .launch import checks_of

launched, test_check_passes_on_two_ranks = checks_of("ddp.py")
