"""Argument parsing, checks and output-size arithmetic shared by every pooling op (PyTorch's rules and messages)."""
from __future__ import annotations

import numpy as np

from ...._dtype import _type_name, is_real_floating

_WORDS = {1: "one int", 2: "two ints", 3: "three ints"}
def expand_arg(value, nd: int, name: str, fn: str, omittable: bool = False) -> tuple:
    """``value`` (an int or a sequence of 1 or ``nd`` ints) as an ``nd``-tuple, with PyTorch's message otherwise."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (int, np.integer)):
        return (int(value),) * nd
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * nd
    if len(value) == nd:
        return value
    omit = "omitted, " if omittable else ""
    raise RuntimeError(f"{fn}: {name} must either be {omit}a single int, or a tuple of {_WORDS[nd]}")


def pool_args(fn: str, nd: int, kernel_size, stride, padding, dilation=1) -> tuple:
    """Normalised (kernel, stride, padding, dilation) tuples; stride None or empty means the kernel size."""
    k = expand_arg(kernel_size, nd, "kernel_size", fn)
    if stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0):
        s = k
    else:
        s = expand_arg(stride, nd, "stride", fn, omittable=True)
    p = expand_arg(padding, nd, "padding", fn)
    d = expand_arg(dilation, nd, "dilation", fn)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{fn}: kernel_size should be greater than zero, but got kernel_size={_fmt(k)}")
    if any(v == 0 for v in s):
        raise RuntimeError(f"{fn}: stride should not be zero, but got stride={_fmt(s)}")
    if any(v < 0 for v in s):
        raise RuntimeError(f"{fn}: stride should be greater than zero, but got stride={_fmt(s)}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{fn}: dilation should be greater than zero, but got dilation={_fmt(d)}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{fn}: pad must be non-negative, but got pad: {_fmt(p)}")
    for kj, pj, dj in zip(k, p, d):
        if pj > ((kj - 1) * dj + 1) // 2:
            error = RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pj}, "
                                 f"kernel_size={kj} and dilation={dj}")
            error.add_note(f"in {fn}")
            raise error
        if pj > kj // 2:
            raise RuntimeError(f"{fn}: pad should be smaller than or equal to half of kernel size, but got "
                               f"pad={_fmt(p)} and kernel_size={_fmt(k)}")
    return k, s, p, d


def _fmt(t: tuple):
    return t[0] if len(t) == 1 else t


def check_input(fn: str, shape: tuple, nd: int) -> None:
    """Rank nd+1 (unbatched) or nd+2 (batched); only the batch dim may be empty. PyTorch's wording differs by op."""
    rank_ok = len(shape) in (nd + 1, nd + 2)
    if not rank_ok and fn in ("max_pool2d", "max_pool3d", "avg_pool3d"):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if not (rank_ok and all(shape[len(shape) - nd - 1:])):
        prefix = "max_pool1d: " if fn == "max_pool1d" else ""
        raise RuntimeError(f"{prefix}Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(shape)}")


def check_dtype(fn: str, arr: np.ndarray, allow_int: bool) -> None:
    """Floating input only (or integer too, with ``allow_int``), with PyTorch's 'not implemented for' message."""
    if is_real_floating(arr.dtype) or (allow_int and arr.dtype.kind in "iu"):
        return
    raise NotImplementedError(f'"{fn}" not implemented for \'{_type_name(arr.dtype)}\'')


def _output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length; in ceil mode the last window must start inside the input or left padding."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def output_shape(shape: tuple, k, s, p, d, ceil_mode: bool) -> tuple:
    """Spatial output sizes; raises PyTorch's 'Output size is too small' naming both shapes."""
    nd = len(k)
    spatial = shape[-nd:]
    out = tuple(_output_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d))
    if any(o <= 0 for o in out):
        c = shape[-nd - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output "
                           f"size: ({'x'.join(map(str, (c,) + out))}). Output size is too small")
    return out


def adaptive_output_shape(fn: str, output_size, spatial: tuple) -> tuple:
    """``output_size`` (an int, or a sequence with None meaning 'as the input') as a tuple of ints."""
    nd = len(spatial)
    if hasattr(output_size, "tolist"):
        output_size = output_size.tolist()
    if output_size is None or isinstance(output_size, (int, np.integer)):
        sizes = (output_size,) * nd
    else:
        sizes = tuple(output_size)
        if len(sizes) == 1 and nd > 1:
            sizes = sizes * nd
    if len(sizes) != nd:
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    sizes = tuple(spatial[i] if v is None else int(v) for i, v in enumerate(sizes))
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, sizes))}}}")
    return sizes


def check_adaptive_input(fn: str, shape: tuple, nd: int) -> None:
    """Rank nd+1 or nd+2 with no empty spatial dim (PyTorch's adaptive pooling messages)."""
    if len(shape) not in (nd + 1, nd + 2):
        got = "got:" if "max" in fn else "got"  # sic: PyTorch's two messages differ by the colon
        raise RuntimeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but {got} {list(shape)}")
    for i in range(len(shape) - nd, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(shape)} with dimension {i} being empty")



def avg_divisor(size: int, k: int, s: int, p: int, out: int, count_include_pad: bool) -> np.ndarray:
    """Per-position divisor along one dim: windows clipped at size+pad (with padding) or at the input."""
    start = np.arange(out, dtype=np.int64) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def is_uniform(arr: np.ndarray) -> bool:
    """Whether every entry of ``arr`` is the same (True when empty)."""
    return arr.size == 0 or bool((arr == arr.flat[0]).all())
