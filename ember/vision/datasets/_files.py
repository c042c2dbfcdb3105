"""File helpers shared by the dataset readers: checksums, restricted NumPy unpickling, download-or-explain."""
from __future__ import annotations

import gzip
import hashlib
import pickle
import shutil
import urllib.request
from pathlib import Path

import numpy as np


def md5(path: Path, chunk: int = 1 << 20) -> str:
    """Hex MD5 digest of a file, read in ``chunk``-byte blocks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_integrity(path: Path, expected_md5: str | None) -> bool:
    """True when the file exists and (if a checksum is given) its MD5 matches."""
    path = Path(path)
    return path.is_file() and (expected_md5 is None or md5(path) == expected_md5)


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles the NumPy arrays inside dataset pickles (CIFAR batches, mnist.pkl.gz) and nothing else."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a dataset file: only NumPy "
                                         "arrays are expected")
        if module == "_codecs":
            import _codecs

            return _codecs.encode
        return _reconstruct if name == "_reconstruct" else getattr(np, name)


def _reconstruct(cls, shape, dtype):
    return np.ndarray.__new__(cls, shape, dtype)


def load_numpy_pickle(path: Path, opener=open):
    """The object in a dataset pickle (opened with ``opener``, e.g. ``gzip.open``), NumPy globals only."""
    with opener(path, "rb") as f:
        return NumpyOnlyUnpickler(f, encoding="latin1").load()


def download_or_explain(urls: list[str], targets: list[Path], dataset: str) -> None:
    """Fetch each missing file (gunzipping ``.gz`` URLs); without a network, say exactly which files go where."""
    missing = [(u, t) for u, t in zip(urls, targets) if not t.exists()]
    failed = []
    for url, target in missing:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        try:
            with urllib.request.urlopen(url, timeout=10) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(gzip.GzipFile(fileobj=response) if url.endswith(".gz") else response, out)
            tmp.replace(target)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            failed.append((url, target, e))
    if failed:
        lines = "\n".join(f"  {t}  (from {u})" for u, t, _ in failed)
        raise RuntimeError(f"Could not download {dataset} ({failed[0][2]}). Place these files by hand, then run "
                           f"again:\n{lines}")
