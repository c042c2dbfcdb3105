"""One process of ``ember.multiprocessing.spawn``: load the job, call ``fn(rank, *args)``, report a failure."""
from __future__ import annotations

import os
import pickle
import runpy
import sys
import traceback
import types
from pathlib import Path


def _load_main(path: str | None) -> None:
    """Make the caller's script importable as ``__main__`` without running its main block (as multiprocessing's
    spawn does), so the functions it defines unpickle."""
    if path is None:
        return
    module = types.ModuleType("__mp_main__")
    module.__dict__.update(runpy.run_path(path, run_name="__mp_main__"))
    sys.modules["__main__"] = sys.modules["__mp_main__"] = module


def main(job_path: str) -> None:
    job_file = Path(job_path)
    rank = int(os.environ["RANK"])
    try:
        with job_file.open("rb") as f:
            _load_main(pickle.load(f))  # first the caller's script: unpickling fn may need it
            fn, args = pickle.load(f)
        fn(rank, *args)
    except BaseException:
        (job_file.parent / f"error{rank}.txt").write_text(traceback.format_exc())
        mpi = sys.modules.get("mpi4py.MPI")
        if mpi is not None:  # the other ranks may be waiting for this one in a collective
            mpi.COMM_WORLD.Abort(1)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
