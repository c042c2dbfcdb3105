"""The worker-thread helpers: block splitting, and reading BLAS's own thread count."""
import os
import subprocess
import sys
import threading

import pytest

from ember.ops import _threads
from ember.ops._threads import _over_blocks


@pytest.mark.parametrize("items, blocks", [(7, 1), (7, 2), (9, 4), (3, 3)])
def test_over_blocks_covers_items_once(items, blocks):
    seen, threads = [], set()

    def fn(i, sl):
        seen.append((i, sl.start, sl.stop))
        threads.add(threading.get_ident())
    _over_blocks(fn, items, blocks)
    assert sorted(seen) == [(i, items * i // blocks, items * (i + 1) // blocks) for i in range(blocks)]
    assert (len(threads) > 1) == (blocks > 1)  # several blocks: the caller and at least one worker


def test_over_blocks_raises_a_block_error():
    def fn(i, sl):
        if i == 1:
            raise ValueError("block 1")
    with pytest.raises(ValueError, match="block 1"):
        _over_blocks(fn, 4, 2)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: never split")
@pytest.mark.skipif(_threads._blas_threads is None, reason="this NumPy bundles no OpenBLAS")
@pytest.mark.parametrize("threads, expected", [("1", True), ("2", False)])
def test_single_threaded_blas_reads_openblas(threads, expected):
    # read from the OpenBLAS NumPy's wheel bundles, as set by OPENBLAS_NUM_THREADS before NumPy loads
    code = "from ember.ops._threads import single_threaded_blas; print(single_threaded_blas())"
    env = dict(os.environ, OPENBLAS_NUM_THREADS=threads)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(expected)
