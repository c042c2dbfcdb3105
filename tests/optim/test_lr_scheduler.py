"""Every learning-rate scheduler, over a grid of its options: 100 steps give PyTorch's learning rates (and cycled
momenta), the same state_dict, and a resumed scheduler continues the sequence exactly."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

import ember

LIBS = (ember, torch)


def make_optimizer(lib, name: str = "SGD", **options):
    """Two parameter groups (lr 0.1 and 0.05) of plain leaf tensors."""
    first = [lib.tensor(np.ones(3), requires_grad=True)]
    second = [lib.tensor(np.ones(2), requires_grad=True)]
    return getattr(lib.optim, name)([{"params": first}, {"params": second, "lr": 0.05}], lr=0.1, **options)


def _sched(name: str, **options):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **options)


def _sequential(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.2, total_iters=6), s.ExponentialLR(opt, gamma=0.9),
                                s.CosineAnnealingLR(opt, T_max=15, eta_min=0.001)], milestones=[6, 30])


def _sequential_constant_step(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.ConstantLR(opt, factor=0.5, total_iters=4), s.StepLR(opt, step_size=9, gamma=0.5)],
                          milestones=[10])


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.25, total_iters=8), s.ExponentialLR(opt, gamma=0.95)])


def _chained_cosine_multistep(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.CosineAnnealingLR(opt, T_max=12), s.MultiStepLR(opt, milestones=[20, 50])],
                              optimizer=opt)


def _lambda_per_group(lib, opt):
    return lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 0.97 ** e, lambda e: 1 / (1 + e)])


GRID = [
    ("LambdaLR", _sched("LambdaLR", lr_lambda=lambda epoch: 0.95 ** epoch)),
    ("LambdaLR-per-group", _lambda_per_group),
    ("MultiplicativeLR", _sched("MultiplicativeLR", lr_lambda=lambda epoch: 0.98)),
    ("MultiplicativeLR-epoch", _sched("MultiplicativeLR", lr_lambda=lambda epoch: 1 - epoch / 1000)),
    ("StepLR", _sched("StepLR", step_size=30)),
    ("StepLR-gamma", _sched("StepLR", step_size=7, gamma=0.5)),
    ("MultiStepLR", _sched("MultiStepLR", milestones=[3, 10, 10, 40], gamma=0.3)),
    ("ConstantLR", _sched("ConstantLR")),
    ("ConstantLR-options", _sched("ConstantLR", factor=0.5, total_iters=12)),
    ("LinearLR", _sched("LinearLR")),
    ("LinearLR-options", _sched("LinearLR", start_factor=0.1, end_factor=0.9, total_iters=30)),
    ("ExponentialLR", _sched("ExponentialLR", gamma=0.97)),
    ("CosineAnnealingLR", _sched("CosineAnnealingLR", T_max=17)),
    ("CosineAnnealingLR-eta_min", _sched("CosineAnnealingLR", T_max=10, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", _sched("CosineAnnealingWarmRestarts", T_0=7)),
    ("CosineAnnealingWarmRestarts-T_mult", _sched("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.001)),
    ("PolynomialLR", _sched("PolynomialLR")),
    ("PolynomialLR-power", _sched("PolynomialLR", total_iters=40, power=2.0)),
    ("CyclicLR-triangular", _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5)),
    ("CyclicLR-triangular2", _sched("CyclicLR", base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, step_size_down=7,
                                    mode="triangular2")),
    ("CyclicLR-exp_range", _sched("CyclicLR", base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=6, mode="exp_range",
                                  gamma=0.98, base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR-no-momentum", _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)),
    ("CyclicLR-scale_fn", _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4,
                                 scale_fn=lambda x: 0.9 ** x, scale_mode="iterations")),
    ("OneCycleLR-cos", _sched("OneCycleLR", max_lr=0.5, total_steps=101)),
    ("OneCycleLR-linear", _sched("OneCycleLR", max_lr=[0.5, 0.3], epochs=10, steps_per_epoch=11,
                                 anneal_strategy="linear", pct_start=0.25)),
    ("OneCycleLR-three_phase", _sched("OneCycleLR", max_lr=0.5, total_steps=101, three_phase=True, div_factor=10.0,
                                      final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("SequentialLR", _sequential),
    ("SequentialLR-constant-step", _sequential_constant_step),
    ("ChainedScheduler", _chained),
    ("ChainedScheduler-cosine-multistep", _chained_cosine_multistep),
]


def _snapshot(opt, scheduler) -> tuple:
    """The rates the scheduler reports and the momentum (or beta1) of every group."""
    momenta = [group.get("momentum", group.get("betas", (None,))[0]) for group in opt.param_groups]
    return [float(lr) for lr in scheduler.get_last_lr()], momenta


def run_schedule(lib, make_scheduler, steps: int = 100, optimizer: str = "SGD", **options) -> list:
    opt = make_optimizer(lib, optimizer, **options)
    scheduler = make_scheduler(lib, opt)
    sequence = [_snapshot(opt, scheduler)]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        sequence.append(_snapshot(opt, scheduler))
    return sequence


def assert_same_sequence(ours: list, theirs: list) -> None:
    for epoch, ((lrs, momenta), (t_lrs, t_momenta)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(lrs, t_lrs, rtol=1e-13, atol=0, err_msg=f"lr at epoch {epoch}")
        assert momenta == pytest.approx(t_momenta, rel=1e-13), f"momentum at epoch {epoch}"
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("name,make_scheduler", GRID, ids=[name for name, _ in GRID])
def test_schedule_matches_torch(name, make_scheduler):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = run_schedule(ember, make_scheduler)
    assert_same_sequence(ours, run_schedule(torch, make_scheduler))


@pytest.mark.parametrize("optimizer,options", [("SGD", dict(momentum=0.9)), ("Adam", dict(betas=(0.9, 0.99)))])
@pytest.mark.parametrize("name", ["CyclicLR-triangular", "CyclicLR-exp_range", "OneCycleLR-cos",
                                  "OneCycleLR-three_phase"])
def test_cycled_momentum_matches_torch(name, optimizer, options):
    """CyclicLR and OneCycleLR cycle SGD's ``momentum`` or Adam's ``betas[0]`` against the rate."""
    make_scheduler = dict(GRID)[name]
    ours = run_schedule(ember, make_scheduler, optimizer=optimizer, **options)
    theirs = run_schedule(torch, make_scheduler, optimizer=optimizer, **options)
    assert_same_sequence(ours, theirs)
    assert len({momenta[0] for _, momenta in ours}) > 3


def test_cycled_momentum_drives_sgd_like_torch():
    """The cycled momentum is what SGD uses: a trajectory under CyclicLR equals torch's."""
    from .helpers import assert_params_close, train

    def run(lib):
        schedulers = []

        def make(lib_, params):
            opt = lib_.optim.SGD(params, lr=0.1, momentum=0.9)
            schedulers.append(lib_.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=4, mode="triangular2"))
            return opt

        return train(lib, make, steps=30, after_step=lambda: schedulers[0].step())[0]

    assert_params_close(run(ember), run(torch))


METRICS = [1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.9, 0.89, 0.8999, 0.9, 0.91, 0.92, 0.93, 0.5, 0.5, 0.5, 0.5,
           0.49995, 0.5, 0.6, 0.7, 0.8] * 4 + [0.3] * 8


@pytest.mark.parametrize("options", [
    dict(),
    dict(patience=2),
    dict(mode="max", patience=1, factor=0.5),
    dict(patience=1, threshold=0.05, threshold_mode="abs"),
    dict(mode="max", patience=0, threshold=0.01, threshold_mode="abs", cooldown=3),
    dict(patience=1, cooldown=2, min_lr=0.02, factor=0.3),
    dict(patience=0, min_lr=[0.01, 0.04], factor=0.5),
    dict(patience=0, factor=0.5, eps=0.02),
], ids=lambda options: "-".join(f"{k}={v}" for k, v in options.items()) or "defaults")
def test_reduce_on_plateau_matches_torch(options):
    """ReduceLROnPlateau on a scripted metric sequence (plateaus, tiny improvements, rises)."""
    sequences = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        lrs = []
        for metric in METRICS:
            opt.step()
            scheduler.step(metric)
            lrs.append((scheduler.get_last_lr(), [g["lr"] for g in opt.param_groups], scheduler.num_bad_epochs,
                        scheduler.cooldown_counter, scheduler.best))
        sequences.append(lrs)
    assert sequences[0] == sequences[1]
    assert len({tuple(lr) for lr, *_ in sequences[0]}) > 1


def test_reduce_on_plateau_accepts_a_tensor_metric():
    for lib in LIBS:
        opt = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
        for metric in (1.0, 2.0):
            scheduler.step(lib.tensor(metric))
        assert scheduler.get_last_lr() == pytest.approx([0.01, 0.005])


STATEFUL = ["StepLR-gamma", "MultiStepLR", "LinearLR-options", "CosineAnnealingLR-eta_min",
            "CosineAnnealingWarmRestarts-T_mult", "PolynomialLR-power", "CyclicLR-exp_range", "OneCycleLR-linear",
            "SequentialLR", "ChainedScheduler", "MultiplicativeLR"]


@pytest.mark.parametrize("name", STATEFUL)
def test_state_dict_resumes_the_sequence(name):
    """Save optimizer and scheduler after 20 steps, load both into fresh objects, run 30 more: the same rates as
    an uninterrupted 50-step run (and as torch's)."""
    make_scheduler = dict(GRID)[name]
    for lib in LIBS:
        full = run_schedule(lib, make_scheduler, steps=50)
        opt = make_optimizer(lib)
        scheduler = make_scheduler(lib, opt)
        for _ in range(20):
            opt.step()
            scheduler.step()
        opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(scheduler.state_dict())
        opt = make_optimizer(lib)
        scheduler = make_scheduler(lib, opt)
        opt.load_state_dict(opt_state)
        scheduler.load_state_dict(sched_state)
        resumed = []
        for _ in range(30):
            opt.step()
            scheduler.step()
            resumed.append(_snapshot(opt, scheduler))
        assert_same_sequence(resumed, full[21:])
        if lib is ember:
            ember_resumed = resumed
    assert_same_sequence(ember_resumed, resumed)


def _comparable(value):
    """A state_dict value with library objects (tensors, callables) replaced by comparable stand-ins."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    if callable(value):
        return "<callable>"
    return value


@pytest.mark.parametrize("name,make_scheduler", GRID + [("ReduceLROnPlateau", _sched("ReduceLROnPlateau"))],
                         ids=[name for name, _ in GRID] + ["ReduceLROnPlateau"])
def test_state_dict_layout_matches_torch(name, make_scheduler):
    """The same keys and values as torch's scheduler state_dict after 10 steps."""
    states = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        scheduler = make_scheduler(lib, opt)
        for _ in range(10):
            opt.step()
            scheduler.step(*([1.0] if name == "ReduceLROnPlateau" else []))
        states.append(_comparable(scheduler.state_dict()))
    assert list(states[0]) == list(states[1])
    assert states[0] == states[1]


def test_lambda_state_dict_keeps_callable_objects_state():
    class Decay:
        def __init__(self, rate: float) -> None:
            self.rate = rate

        def __call__(self, epoch: int) -> float:
            return self.rate ** epoch

    opt = make_optimizer(ember)
    scheduler = ember.optim.lr_scheduler.LambdaLR(opt, [Decay(0.5), lambda epoch: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    other = ember.optim.lr_scheduler.LambdaLR(make_optimizer(ember), [Decay(0.9), lambda epoch: 1.0])
    state["lr_lambdas"][0]["rate"] = 0.25
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.25


def _caught(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_warns_when_stepped_before_the_optimizer():
    messages = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=3)
        messages.append(_caught(scheduler.step))
    assert messages[0] == messages[1]
    assert len(messages[0]) == 1
    assert messages[0][0].startswith("Detected call of `lr_scheduler.step()` before `optimizer.step()`.")


def test_no_warning_in_the_right_order():
    opt = make_optimizer(ember)
    scheduler = ember.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)

    def steps():
        for _ in range(3):
            opt.step()
            scheduler.step()

    assert _caught(steps) == []


def test_an_optimizer_step_before_the_scheduler_exists_does_not_count():
    messages = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        opt.step()
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=3)
        messages.append(_caught(scheduler.step))
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_get_lr_outside_step_and_epoch_argument_warn_like_torch():
    for what in ("get_lr", "epoch"):
        messages = []
        for lib in LIBS:
            opt = make_optimizer(lib)
            scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=3)
            opt.step()
            messages.append(_caught(scheduler.get_lr if what == "get_lr" else lambda: scheduler.step(5)))
        assert messages[0] == messages[1] and len(messages[0]) == 1, what


def test_closed_form_step_with_epoch_matches_torch():
    """The deprecated ``step(epoch)`` jumps to the closed form."""
    for name in ("StepLR-gamma", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR-eta_min", "LinearLR-options",
                 "PolynomialLR-power", "ConstantLR-options", "CosineAnnealingWarmRestarts-T_mult"):
        results = []
        for lib in LIBS:
            opt = make_optimizer(lib)
            scheduler = dict(GRID)[name](lib, opt)
            lrs = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for epoch in (3, 11, 4, 25, 60):
                    opt.step()
                    scheduler.step(epoch)
                    lrs.append(scheduler.get_last_lr())
            results.append(lrs)
        np.testing.assert_allclose(results[0], results[1], rtol=1e-13, err_msg=name)


def test_resuming_with_last_epoch_needs_initial_lr():
    texts = []
    for lib in LIBS:
        with pytest.raises(KeyError) as info:
            lib.optim.lr_scheduler.StepLR(make_optimizer(lib), step_size=3, last_epoch=5)
        texts.append(str(info.value))
    assert texts[0] == texts[1]
    assert "param 'initial_lr' is not specified in param_groups[0]" in texts[0]


def test_last_epoch_resumes_from_initial_lr():
    results = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5, last_epoch=5)
        lrs = [scheduler.get_last_lr()]
        for _ in range(6):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        results.append(lrs)
    assert results[0] == results[1]


BAD = [
    ("StepLR-not-an-optimizer", lambda lib, opt: lib.optim.lr_scheduler.StepLR(object(), 3), TypeError),
    ("ConstantLR-factor", lambda lib, opt: lib.optim.lr_scheduler.ConstantLR(opt, factor=1.5), ValueError),
    ("LinearLR-start", lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, start_factor=0), ValueError),
    ("LinearLR-end", lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, end_factor=2), ValueError),
    ("WarmRestarts-T_0", lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError),
    ("WarmRestarts-T_mult", lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2, T_mult=1.5),
     ValueError),
    ("CyclicLR-mode", lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="sawtooth"), ValueError),
    ("CyclicLR-base_lr-list", lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(opt, [0.01], 0.1), ValueError),
    ("CyclicLR-no-momentum", lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.Adagrad(opt.param_groups[0]["params"]), 0.01, 0.1), ValueError),
    ("OneCycleLR-no-steps", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.1), ValueError),
    ("OneCycleLR-total_steps", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=0),
     ValueError),
    ("OneCycleLR-pct_start", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, 10, pct_start=1.5),
     ValueError),
    ("OneCycleLR-anneal", lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, 10, anneal_strategy="exp"),
     ValueError),
    ("ReduceLROnPlateau-factor", lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0),
     ValueError),
    ("ReduceLROnPlateau-mode", lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="avg"), ValueError),
    ("ReduceLROnPlateau-threshold_mode",
     lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct"), ValueError),
    ("ReduceLROnPlateau-min_lr", lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1]),
     ValueError),
    ("LambdaLR-count", lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0]), ValueError),
    ("MultiplicativeLR-not-callable", lambda lib, opt: lib.optim.lr_scheduler.MultiplicativeLR(opt, 0.9), TypeError),
    ("SequentialLR-milestones", lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.StepLR(opt, 3)], milestones=[4]), ValueError),
    ("SequentialLR-empty", lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(opt, [], milestones=[]), ValueError),
    ("SequentialLR-plateau", lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.StepLR(opt, 3), lib.optim.lr_scheduler.ReduceLROnPlateau(opt)], milestones=[4]),
     ValueError),
    ("ChainedScheduler-other-optimizer", lambda lib, opt: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.StepLR(opt, 3), lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 3)]), ValueError),
]


@pytest.mark.parametrize("name,build,error", BAD, ids=[name for name, *_ in BAD])
def test_bad_arguments_raise_like_torch(name, build, error):
    texts = []
    for lib in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(error) as info:
                build(lib, make_optimizer(lib))
        texts.append(str(info.value))
    if "other-optimizer" in name:  # the message embeds the optimizers' reprs
        texts = [text.split(" has ")[0] for text in texts]
    assert texts[0] == texts[1]


def test_one_cycle_refuses_to_step_past_total_steps():
    texts = []
    for lib in LIBS:
        opt = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError) as info:
            scheduler.step()
        texts.append(str(info.value))
    assert texts[0] == texts[1] == "Tried to step 4 times. The specified number of total steps is 3"


def test_tensor_lr_is_updated_in_place():
    """With a tensor ``lr`` the scheduler fills the optimizer's tensor rather than replacing it."""
    for lib in LIBS:
        opt = lib.optim.SGD([lib.tensor(np.ones(2), requires_grad=True)], lr=lib.tensor(0.1))
        lr = opt.param_groups[0]["lr"]
        scheduler = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        opt.step()
        scheduler.step()
        assert opt.param_groups[0]["lr"] is lr
        assert float(lr) == pytest.approx(0.05)


def _warmup_subclass(lib):
    class Warmup(lib.optim.lr_scheduler.LRScheduler):
        """A user-written schedule: linear warm-up over 5 epochs, then constant."""

        def get_lr(self):
            return [base_lr * min(1.0, (self.last_epoch + 1) / 5) for base_lr in self.base_lrs]

    return Warmup


def test_a_user_written_scheduler_like_torch():
    results = []
    for lib in LIBS:
        results.append(run_schedule(lib, lambda lib_, opt: _warmup_subclass(lib_)(opt), steps=8))
    assert_same_sequence(*results)
    assert results[0][0][0] == pytest.approx([0.02, 0.01])
