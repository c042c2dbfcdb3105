"""Print what a launcher gave this rank: MPI's rank and world, torchrun's variables, the arguments."""
import os
import sys

import ember.distributed as dist

dist.init_process_group("gloo" if "--gloo" in sys.argv else None)
names = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS")
words = [dist.get_rank(), dist.get_world_size(), *[os.environ.get(n) for n in names], *sys.argv[1:]]
sys.stdout.write(" ".join(map(str, words)) + "\n")  # one write: the ranks share the terminal
