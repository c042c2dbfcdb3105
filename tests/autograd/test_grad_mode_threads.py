"""Grad mode is per thread and the engine runs in several threads at once, as in PyTorch."""
import sys
import threading

import numpy as np
import pytest
import torch

import ember


def _records(lib) -> bool:
    return (lib.ones(1, requires_grad=True) * 2).requires_grad


def _in_thread(fn):
    """Run ``fn`` in a new thread; return its result, or raise what it raised."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as e:  # handed to the calling thread
            out["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.fixture
def frequent_switches():
    """Threads take turns every 10 us instead of 5 ms: two training loops then interleave inside every forward,
    backward and optimizer step."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def _model(seed: int, dtype):
    # big enough (over 2**20 multiply-adds a convolution) that float32 convolutions and batch norm run on the
    # compiled kernels' shared thread pool, where built: two threads then call the pool at once
    ember.manual_seed(seed)
    model = ember.nn.Sequential(ember.nn.Conv2d(4, 16, 3, padding=1), ember.nn.BatchNorm2d(16), ember.nn.ReLU(),
                                ember.nn.Flatten(), ember.nn.Linear(16 * 16 * 16, 3))
    return model.to(dtype)


def _data(seed: int, dtype):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((8, 4, 16, 16)), dtype=dtype)
    return x, ember.tensor(rng.integers(0, 3, 8))


def _train(model, x, y, start=None) -> list:
    """A few SGD steps; the model's parameters and buffers (batch norm's running statistics) afterwards."""
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if start is not None:
        start.wait(10)
    for _ in range(8):
        opt.zero_grad()
        ember.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return [t.detach().numpy().copy() for t in (*model.parameters(), *model.buffers())]


@pytest.mark.parametrize("dtype", [ember.float64, ember.float32], ids=["float64", "float32"])
def test_two_threads_train_two_models_as_sequential_training_does(dtype, frequent_switches):
    sequential = [_train(_model(seed, dtype), *_data(seed, dtype)) for seed in (1, 2)]
    for _ in range(6):
        # made here: the default generator is shared by all threads, in PyTorch too
        setups = {seed: (_model(seed, dtype), *_data(seed, dtype)) for seed in (1, 2)}
        start = threading.Barrier(2)
        results, errors = {}, []

        def run(seed):
            try:
                results[seed] = _train(*setups[seed], start)
            except Exception as e:  # handed to the main thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        for expected, seed in zip(sequential, (1, 2)):
            assert all(np.array_equal(a, b) for a, b in zip(expected, results[seed]))
        assert ember.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_in_another_thread_leaves_recording_and_backward_alone(lib):
    inside, leave = threading.Event(), threading.Event()

    def hold_no_grad():
        with lib.no_grad():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    try:
        inside.wait(10)
        assert lib.is_grad_enabled()
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        assert loss.requires_grad
        (g,) = lib.autograd.grad(loss, w, create_graph=True)
        assert g.requires_grad  # the gradient's own graph is recorded too
        g.sum().backward()
        assert w.grad.tolist() == [2.0, 2.0, 2.0]
    finally:
        leave.set()
        t.join()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
@pytest.mark.parametrize("mode", ["no_grad", "inference_mode", "set_grad_enabled"])
def test_a_new_thread_starts_with_grad_enabled(lib, mode):
    switch = {"no_grad": lambda: lib.no_grad(), "inference_mode": lambda: lib.inference_mode(),
              "set_grad_enabled": lambda: lib.set_grad_enabled(False)}[mode]
    with switch():
        assert _in_thread(lambda: (lib.is_grad_enabled(), _records(lib))) == (True, True)
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grad_mode_set_in_a_thread_stays_there(lib):
    def switch_off_and_leave():
        lib.set_grad_enabled(False)  # never switched back on: the thread's own mode ends with it
        with lib.no_grad():
            pass
        return lib.is_grad_enabled()

    assert _in_thread(switch_off_and_leave) is False
    assert lib.is_grad_enabled() and _records(lib)
