"""Matrix products: matmul (and mm, bmm, dot, mv), addmm, outer, einsum."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from ._util import sum_to


def _check_mm(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[-1] != b.shape[-2]:
        if a.ndim == 2 and b.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                               f"{b.shape[0]}x{b.shape[1]})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{', '.join(map(str, b.shape[:-2]))}, {a.shape[-1]}] but got: "
                           f"[{', '.join(map(str, b.shape))}].")


class Matmul(Op):
    """Batched matrix product of operands with ndim >= 2 (batch dims broadcast)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_mm(a, b)
        ctx._name = "MmBackward0" if a.ndim == 2 and b.ndim == 2 else "BmmBackward0"
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = sum_to(g @ b.mT, a.shape) if need[0] else None
        gb = sum_to(a.mT @ g, b.shape) if need[1] else None
        return ga, gb


class Addmm(Op):
    """``beta * input + alpha * (mat1 @ mat2)``: what Linear runs on 2-D input."""

    @staticmethod
    def forward(ctx, bias, m1, m2, beta, alpha):
        _check_mm(m1, m2)
        ctx.save_for_backward(m1, m2)
        ctx.meta = (np.shape(bias), beta, alpha)
        out = m1 @ m2
        if alpha != 1:
            out *= alpha
        out += bias if beta == 1 else bias * beta
        return out

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        bias_shape, beta, alpha = ctx.meta
        need = ctx.needs_input_grad
        gb = sum_to(g if beta == 1 else g * beta, bias_shape) if need[0] else None
        ga = g @ m2.mT if need[1] else None
        gm = m1.mT @ g if need[2] else None
        if alpha != 1:
            ga = ga * alpha if ga is not None else None
            gm = gm * alpha if gm is not None else None
        return gb, ga, gm, None, None


def _same_dtype(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}"
                           .replace("float32", "float").replace("float64", "double").replace("int64", "long int"))


def matmul(input, other):
    """NumPy/PyTorch matmul semantics: 1-D operands are promoted to matrices and the added dim removed."""
    _same_dtype(input, other)
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    if input.ndim == 1 and other.ndim == 1:
        if input.shape[0] != other.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got "
                               f"{input.shape[0]} and {other.shape[0]} elements respectively")
        return Matmul.apply(input.unsqueeze(0), other.unsqueeze(1)).reshape(())
    if input.ndim == 1:
        return Matmul.apply(input.unsqueeze(0), other).squeeze(-2)
    if other.ndim == 1:
        return Matmul.apply(input, other.unsqueeze(1)).squeeze(-1)
    return Matmul.apply(input, other)


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor" if input.ndim != 3 else "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return matmul(input, other)


def mv(input, vec):
    return matmul(input, vec)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    _same_dtype(mat1, mat2)
    return Addmm.apply(input, mat1, mat2, beta, alpha)


def outer(input, vec2):
    return input.unsqueeze(1) * vec2.unsqueeze(0)


class Einsum(Op):
    """einsum over explicit subscripts (no ellipsis); each operand's gradient is another einsum."""

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return np.asarray(np.einsum(equation, *operands, optimize=len(operands) > 2))

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        inputs, out = ctx.equation.split("->")
        subs = inputs.split(",")
        grads = [None]
        for i, sub in enumerate(subs):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subs) if j != i]
            available = set(out).union(*others) if others else set(out)
            target = "".join(c for c in dict.fromkeys(sub) if c in available)
            eq = ",".join([out] + others) + "->" + target
            gi = einsum(eq, g, *[o for j, o in enumerate(operands) if j != i])
            full_shape = operands[i].shape
            if target != sub:
                gi = _restore_subscripts(gi, target, sub, full_shape)
            grads.append(gi)
        return tuple(grads)


def _restore_subscripts(g, target: str, sub: str, full_shape):
    """Re-insert summed-away letters (broadcast) and diagonal repeats after an einsum gradient."""
    letters = list(dict.fromkeys(sub))
    sizes = {c: full_shape[sub.index(c)] for c in letters}
    for pos, c in enumerate(letters):
        if c not in target:
            g = g.unsqueeze(pos)
            target = target[:pos] + c + target[pos:]
    g = g.expand(tuple(sizes[c] for c in letters))
    if len(letters) != len(sub):
        raise NotImplementedError("einsum gradient with a repeated subscript in one operand is not supported")
    return g


def einsum(equation: str, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "->" not in equation:
        inputs = equation
        letters = [c for c in inputs.replace(",", "")]
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        equation = inputs + "->" + out
    if "." in equation:
        raise NotImplementedError("einsum with '...' is not supported yet")
    return Einsum.apply(equation, *operands)
