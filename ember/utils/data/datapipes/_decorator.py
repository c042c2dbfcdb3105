"""Decorators and switches for DataPipe classes: ``functional_datapipe`` (register a functional form),
``non_deterministic`` with ``guaranteed_datapipes_determinism`` (refuse nondeterministic DataPipes inside it), and
the type-validation hooks ``argument_validation`` / ``runtime_validation`` (with ``runtime_validation_disabled``)."""
from __future__ import annotations

import contextlib
import functools

from .datapipe import IterDataPipe, MapDataPipe

_DETERMINISM = [False]
_RUNTIME_VALIDATION = [True]


class functional_datapipe:
    """Class decorator: ``@functional_datapipe("name")`` makes ``dp.name(...)`` build the decorated DataPipe."""

    def __init__(self, name: str, enable_df_api_tracing: bool = False) -> None:
        self.name = name

    def __call__(self, cls):
        if issubclass(cls, IterDataPipe):
            IterDataPipe.register_datapipe_as_function(self.name, cls)
        elif issubclass(cls, MapDataPipe):
            MapDataPipe.register_datapipe_as_function(self.name, cls)
        else:
            raise TypeError("`functional_datapipe` can only decorate IterDataPipe or MapDataPipe")
        return cls


class _FlagBlock:
    """A block that sets one module flag to ``_value`` and restores it on exit."""

    _flag: list
    _value: bool

    def __enter__(self) -> None:
        self._previous = self._flag[0]
        self._flag[0] = self._value

    def __exit__(self, *exc) -> None:
        self._flag[0] = self._previous


class guaranteed_datapipes_determinism(_FlagBlock):
    """Within this block, building a DataPipe marked ``non_deterministic`` raises TypeError."""

    _flag, _value = _DETERMINISM, True


def non_deterministic(arg):
    """Mark a DataPipe class as nondeterministic, or (given a function of the constructor's arguments returning a
    bool) as nondeterministic when that function says so."""
    if isinstance(arg, type):
        return _guard(arg, lambda *args, **kwargs: True)

    def decorate(cls):
        return _guard(cls, arg)

    return decorate


def _guard(cls, is_nondeterministic):
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        if _DETERMINISM[0] and is_nondeterministic(*args, **kwargs):
            raise TypeError(f"{cls.__name__} is non-deterministic, but you set 'guaranteed_datapipes_determinism'. "
                            f"You can turn off determinism for this DataPipe if that is acceptable for your "
                            f"application")
        original(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


def argument_validation(f):
    """Check the DataPipe arguments of a constructor against its annotations (a DataPipe where one is declared)."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        hints = getattr(f, "__annotations__", {})
        names = f.__code__.co_varnames[:f.__code__.co_argcount]
        for name, value in list(zip(names, args)) + list(kwargs.items()):
            hint = hints.get(name)
            if isinstance(hint, type) and issubclass(hint, (IterDataPipe, MapDataPipe)) \
                    and not isinstance(value, hint):
                raise TypeError(f"Expected argument '{name}' as a {hint.__name__}, but found {type(value)}")
        return f(*args, **kwargs)

    return wrapper


class runtime_validation_disabled(_FlagBlock):
    """Within this block, ``runtime_validation`` checks nothing."""

    _flag, _value = _RUNTIME_VALIDATION, False


def runtime_validation(f):
    """Decorate a DataPipe's ``__iter__``: each item is checked against the DataPipe's declared item type
    (``self.type``, when it has one) unless ``runtime_validation_disabled`` is active."""
    if f.__name__ != "__iter__":
        raise TypeError(f"Can not decorate function {f.__name__} with 'runtime_validation'")

    @functools.wraps(f)
    def wrapper(self):
        expected = getattr(self, "type", None)
        for item in f(self):
            if _RUNTIME_VALIDATION[0] and isinstance(expected, type) and not isinstance(item, expected):
                raise RuntimeError(f"Expected an instance as subtype of {expected}, but found {item}"
                                   f"({type(item)})")
            yield item

    return wrapper


contextlib.AbstractContextManager.register(guaranteed_datapipes_determinism)
contextlib.AbstractContextManager.register(runtime_validation_disabled)
