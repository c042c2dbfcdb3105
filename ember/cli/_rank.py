"""One rank of ``ember train --nproc N`` (started by ``ranks.launch``): the options as JSON in, ``train.run``."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .resume import read_checkpoint
from .train import run


def main(options: str) -> int:
    with open(options) as f:
        args = argparse.Namespace(**json.load(f))
    if int(os.environ.get("PMI_RANK", "0")) != 0:  # only rank 0 talks and logs
        sys.stdout = open(os.devnull, "w")
        args.no_progress, args.tensorboard = True, None
    status = run(args, read_checkpoint(args.resume) if args.resume else None)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
