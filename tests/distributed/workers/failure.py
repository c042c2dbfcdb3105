"""Rank 1 fails in the way argv[1] names while rank 0 waits for it in an all-reduce; the job must end, not hang."""
import os
import signal
import sys
from datetime import timedelta

import ember
import ember.distributed as dist

dist.init_process_group(timeout=timedelta(seconds=1))
if dist.get_rank() == 1:
    if sys.argv[1] == "raise":
        raise ValueError("rank 1 gives up")
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if sys.argv[1] == "leave":
        sys.exit(0)  # skips the all-reduce: rank 0 waits until the group's timeout
dist.all_reduce(ember.ones(3))
print("rank", dist.get_rank(), "finished", flush=True)
