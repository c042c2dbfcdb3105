"""The worker-thread helpers: block splitting, reading BLAS's own thread count, and ember.set_num_threads /
get_num_threads against torch's with what they control: the compiled kernels' pool, the Python pool and blocks of
the NumPy kernels, and NumPy's BLAS threads (the setting is global: cases that change it run in a fresh
interpreter)."""
import os
import subprocess
import sys
import threading

import pytest
import torch

import ember
from ember.ops.kernels import native as _native, threads as _threads
from ember.ops.kernels.threads import _over_blocks
from oracle import same_error


def _run(code: str, **env) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env), capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


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
@pytest.mark.skipif(_threads.blas_threads() is None, reason="threadpoolctl finds no BLAS in this NumPy")
@pytest.mark.parametrize("threads, expected", [("1", True), ("2", False)])
def test_single_threaded_blas_reads_openblas(threads, expected):
    # read (through threadpoolctl) from the OpenBLAS NumPy's wheel bundles, as OPENBLAS_NUM_THREADS set it
    code = "from ember.ops.kernels.threads import single_threaded_blas; print(single_threaded_blas())"
    assert _run(code, OPENBLAS_NUM_THREADS=threads) == [str(expected)]


def test_default_is_the_cpus_this_process_may_use_as_for_torch():
    assert ember.get_num_threads() == len(os.sched_getaffinity(0)) == torch.get_num_threads()
    code = "import ember; print(ember.get_num_threads())"
    assert _run(code, OMP_NUM_THREADS="1") == ["1"]


@pytest.mark.parametrize("value", [0, -1, 2.5, "2", True])
def test_bad_values_raise_as_in_torch(value):
    same_error(lambda lib: lib.set_num_threads(value), "set_num_threads")


def test_keyword_and_missing_arguments_are_type_errors():
    with pytest.raises(TypeError):
        ember.set_num_threads(num_threads=2)
    with pytest.raises(TypeError):
        ember.set_num_threads()


def test_one_thread_reaches_every_pool():
    code = """
import ember
import threadpoolctl
from ember.ops.kernels import native as _native, threads as _threads, norm_numpy as _norm_kernels
for n in (1, 3):
    ember.set_num_threads(n)
    pool = _native.lib.ember_pool_size() if _native.lib is not None else n
    blas = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"] or [n]
    _threads._over_blocks(lambda i, sl: None, 8, 2)
    print(ember.get_num_threads(), pool, *blas, _threads._pool[1], _norm_kernels._block_count(64, 1 << 24))
"""
    assert _run(code) == ["1", "1", "1", "1", "1", "3", "3", "3", "2", "3"]


def test_more_threads_than_cpus_are_started():
    if not _native.available():
        pytest.skip("the compiled kernels are not built here")
    # three pool threads on however many cores: the results match the default's
    code = """
import numpy as np, ember
ember.manual_seed(0)
conv, bn = ember.nn.Conv2d(16, 32, 3), ember.nn.BatchNorm2d(32)
x = ember.randn(32, 16, 20, 20)
first = bn(conv(x)).detach().numpy()
ember.set_num_threads(3)
print(ember.get_num_threads(), np.allclose(bn(conv(x)).detach().numpy(), first, rtol=1e-5, atol=1e-5))
"""
    assert _run(code) == ["3", "True"]


def test_single_threaded_blas_needs_several_ember_threads(monkeypatch):
    monkeypatch.setattr(_threads, "_blas_read", True)
    monkeypatch.setattr(_threads, "_blas_threads", 1)
    monkeypatch.setattr(_threads, "_num_threads", 2)
    assert _threads.single_threaded_blas()
    monkeypatch.setattr(_threads, "_num_threads", 1)
    assert not _threads.single_threaded_blas()


def test_no_blas_found_is_not_single_threaded(monkeypatch):
    monkeypatch.setattr(_threads, "_blas_read", True)
    monkeypatch.setattr(_threads, "_blas_threads", None)
    monkeypatch.setattr(_threads, "_num_threads", 2)
    assert not _threads.single_threaded_blas()


@pytest.mark.skipif(_threads.blas_threads() is None, reason="threadpoolctl finds no BLAS in this NumPy")
@pytest.mark.parametrize("env, expected", [({}, "1"), ({"OPENBLAS_NUM_THREADS": "2"}, "2")])
def test_blas_runs_on_one_thread_unless_the_user_chose(env, expected):
    # OpenBLAS's spinning idle threads take the cores of a busy machine: one thread unless chosen before start
    code = """
import threadpoolctl, ember
print(*[lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"])
"""
    clean = {k: v for k, v in os.environ.items() if k not in _threads._BLAS_THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], env=dict(clean, **env), capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == [expected]


def test_resizing_the_pool_while_another_thread_uses_it():
    # set_num_threads from one thread while another splits work: no "cannot schedule new futures after shutdown"
    before = ember.get_num_threads()
    errors, done = [], threading.Event()

    def work():
        try:
            while not done.is_set():
                _over_blocks(lambda i, sl: None, 8, 2)
        except Exception as e:  # noqa: BLE001 (any error fails the test)
            errors.append(e)
    worker = threading.Thread(target=work)
    worker.start()
    try:
        for n in (1, 3, 2, 4) * 25:
            ember.set_num_threads(n)
    finally:
        done.set()
        worker.join()
        ember.set_num_threads(before)
    assert errors == []
