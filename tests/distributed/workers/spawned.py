"""ember.multiprocessing.spawn of a function defined in the main script; argv[1] == "raise" makes rank 1 fail."""
import sys

import ember
import ember.distributed as dist
import ember.multiprocessing as mp


def work(i: int, scale: float, fail: bool) -> None:
    dist.init_process_group("gloo", rank=i, world_size=2)
    t = ember.tensor([float(i + 1)]) * scale
    dist.all_reduce(t)
    if fail and i == 1:
        raise ValueError("rank 1 gives up")
    sys.stdout.write(f"rank {i} sum {t.item()}\n")  # one write: the ranks share the terminal
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        mp.spawn(work, args=(10.0, sys.argv[1] == "raise"), nprocs=2)
    except mp.ProcessRaisedException as e:
        print("raised by", e.error_index, str(e).strip().splitlines()[-1])
