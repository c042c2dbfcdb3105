"""Grad mode: whether operations record history. Context managers that also work as decorators.

The mode is per thread, as in PyTorch: a thread inside ``no_grad`` changes nothing for another thread, and a new
thread starts with grad enabled whatever the thread that made it was in.
"""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    # The class attribute is every thread's default: a thread that never set the mode reads True from the class,
    # with no __init__ run per thread. Reading ``STATE.enabled`` costs ~15 ns more than a plain attribute, so the
    # hot path reads it once per op.
    enabled = True
    inference = False


STATE = _State()


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block."""
    return STATE.inference


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad`` (or ``set_grad_enabled(False)``)."""
    return STATE.enabled


class _GradMode:
    """Sets grad mode to ``_target`` on enter (None leaves it alone) and restores it on exit.

    Instances also decorate functions; each call then uses a fresh copy so nested and recursive calls
    restore the right mode.
    """

    _target: bool | None = True

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        if self._target is not None:
            STATE.enabled = self._target

    def __exit__(self, *exc) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn):
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = object.__new__(type(self))
            ctx._target = target
            with ctx:
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        ctx = object.__new__(type(self))
        ctx._target = self._target
        return ctx


class no_grad(_GradMode):
    """Disable gradient recording: ``with ember.no_grad():``, ``@ember.no_grad()`` or ``@ember.no_grad``."""

    _target = False

    def __new__(cls, fn=None):
        obj = super().__new__(cls)
        return obj(fn) if callable(fn) else obj

    def __init__(self, fn=None) -> None:
        pass


class enable_grad(no_grad):
    """Enable gradient recording inside a no_grad region."""

    _target = True


class inference_mode(_GradMode):
    """Like no_grad (ember keeps no separate inference tensors); ``inference_mode(False)`` changes nothing."""

    def __new__(cls, mode=True):
        obj = super().__new__(cls)
        if callable(mode):
            obj._target = False
            return obj(mode)
        obj._target = False if mode else None
        return obj

    def __init__(self, mode=True) -> None:
        pass

    def __enter__(self) -> None:
        super().__enter__()
        self._prev_inference = STATE.inference
        STATE.inference = self._target is False

    def __exit__(self, *exc) -> None:
        STATE.inference = self._prev_inference
        super().__exit__(*exc)


class set_grad_enabled(_GradMode):
    """Set grad mode on or off; takes effect at once (like PyTorch) and also works as a context manager."""

    def __init__(self, mode: bool) -> None:
        self._prev = STATE.enabled
        self._target = bool(mode)
        STATE.enabled = self._target

    def __enter__(self) -> None:
        STATE.enabled = self._target

    def __call__(self, fn):
        STATE.enabled = self._prev  # used as a decorator: the mode applies inside the function only
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(target):
                return fn(*args, **kwargs)

        return wrapper
