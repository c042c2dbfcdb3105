"""A per-user cache of decoded dataset arrays: a dataset shipped in a slow format is decoded once per machine."""
from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

_FORMAT = 1  # part of every cache file's name: raise it when a decoder's output changes


def cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/ember`` (``~/.cache/ember`` by default); None when no home directory can be named."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec ignores relative values
        base = os.path.expanduser("~/.cache")
    return Path(base, "ember") if os.path.isabs(base) else None


def cached_arrays(name: str, source: Path, decode: Callable[[Path], dict[str, np.ndarray]],
                  keys: tuple[str, ...]) -> list[np.ndarray]:
    """The arrays ``keys`` of ``decode(source)``, read from the cache when an entry for this ``source`` is there.

    An entry is an uncompressed ``.npz`` named after ``name`` and the source file's size and modification time, so a
    changed source is decoded again. It is written atomically (a temporary file renamed into place) and replaces the
    entries of older sources; a cache that cannot be read or written is bypassed.
    """
    folder = cache_dir()
    stat = source.stat()
    prefix = f"{name}-v{_FORMAT}-"
    path = folder / f"{prefix}{stat.st_size}-{stat.st_mtime_ns}.npz" if folder is not None else None
    if path is not None:
        try:
            with np.load(path) as entry:
                return [entry[key] for key in keys]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # no entry yet, or a damaged one: decode and write it again
    arrays = decode(source)
    if path is not None:
        _write(path, arrays, prefix)
    return [arrays[key] for key in keys]


def _write(path: Path, arrays: dict[str, np.ndarray], prefix: str) -> None:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{prefix}*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
