"""Matrix products: matmul (and mm, bmm, dot, mv), addmm, outer, einsum."""
from __future__ import annotations

import math
import string

import numpy as np

from .._dtype import _cpp_type_name, _type_name
from ..autograd.function import Op
from ._util import broadcast_error, sum_to
from .kernels import gemm
from .shape import expand_error
from .._creation import eye, ones
from ._autocast import lower_precision


class _Matmul(Op):
    """``a @ b`` with NumPy's rules (1-D operands are promoted and the added dim removed, batch dims broadcast).

    The backward re-adds the removed dims, multiplies by the transposed other operand and sums broadcast batch
    dims away; a batched ``a`` times a matrix ``b`` is folded into one GEMM both ways. The subclasses carry the
    name of the node PyTorch records last for each case.
    """

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.shapes = (a.shape, b.shape)
        if a.ndim > 2 and b.ndim == 2 and a.flags.c_contiguous:
            return gemm.dot(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + b.shape[-1:])
        return gemm.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.shapes
        need = ctx.needs_input_grad
        a2_shape = (1,) + a_shape if len(a_shape) == 1 else a_shape
        b2_shape = b_shape + (1,) if len(b_shape) == 1 else b_shape
        if len(a_shape) == 1 or len(b_shape) == 1:
            g = g.reshape(np.broadcast_shapes(a2_shape[:-2], b2_shape[:-2]) + (a2_shape[-2], b2_shape[-1]))
        ga = gb = None
        if g._data.dtype.kind == "c":  # PyTorch's convention for complex operands: the adjoint, not the transpose
            a = a.conj() if a is not None else a
            b = b.conj() if b is not None else b
        if need[0]:
            b2 = b.reshape(b2_shape) if len(b_shape) == 1 else b
            ga = sum_to(g @ b2.mT, a2_shape)
            ga = ga.reshape(a_shape) if len(a_shape) == 1 else ga
        if need[1]:
            a2 = a.reshape(a2_shape) if len(a_shape) == 1 else a
            if len(a2_shape) > 2 and len(b2_shape) == 2:
                gb = a2.reshape(-1, a2_shape[-1]).mT @ g.reshape(-1, g.shape[-1])
            else:
                gb = sum_to(a2.mT @ g, b2_shape)
            gb = gb.reshape(b_shape) if len(b_shape) == 1 else gb
        return ga, gb


class UnsafeViewBackward0(_Matmul):
    """A batched ``matmul``: PyTorch records the ``_unsafe_view`` of its folded product last."""


class MmBackward0(_Matmul):
    """``mm``, and ``matmul`` of two matrices."""


class BmmBackward0(_Matmul):
    """``bmm``."""


class MvBackward0(_Matmul):
    """``mv``, and ``matmul`` of a matrix and a vector."""


class DotBackward0(_Matmul):
    """``dot``, and ``matmul`` of two vectors."""


class SqueezeBackward4(_Matmul):
    """``matmul`` of a vector and a matrix: PyTorch computes it as unsqueeze, mm, then ``squeeze_``."""


class AddmmBackward0(Op):
    """``beta * input + alpha * (mat1 @ mat2)``: what Linear runs on 2-D input."""

    @staticmethod
    def forward(ctx, bias, m1, m2, beta, alpha):
        need = ctx.needs_input_grad
        ctx.save_for_backward(m1 if need[2] else None, m2 if need[1] else None)
        ctx.meta = (np.shape(bias), beta, alpha)
        out = gemm.matmul(m1, m2)
        if alpha != 1:
            out *= alpha
        if beta == 1:
            out += bias
        elif beta != 0:
            out += bias * beta
        return out

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        bias_shape, beta, alpha = ctx.meta
        need = ctx.needs_input_grad
        gb = sum_to(g if beta == 1 else g * beta, bias_shape) if need[0] else None
        if alpha != 1:
            g = g * alpha
        ga = g @ m2.mT if need[1] else None
        gm = m1.mT @ g if need[2] else None
        return gb, ga, gm, None, None


def _same_dtype(a, b) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp_type_name(a._data.dtype)} != "
                           f"{_cpp_type_name(b._data.dtype)}")


def _mm_error(a_shape: tuple, b_shape: tuple) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_shape[0]}x{a_shape[1]} and "
                        f"{b_shape[0]}x{b_shape[1]})")


def _mv_error(a_shape: tuple, n: int) -> RuntimeError:
    return RuntimeError(f"size mismatch, got input ({a_shape[0]}), mat ({a_shape[0]}x{a_shape[1]}), vec ({n})")


def _dot_error(n: int, m: int) -> RuntimeError:
    return RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of "
                        f"elements, but got {n} and {m} elements respectively")


def _bmm_error(batch: int, k: int, got: tuple) -> RuntimeError:
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but got: "
                        f"[{got[0]}, {got[1]}].")


def matmul(input, other):
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to matrices and batch dims broadcast."""
    input, other = lower_precision(input, other)
    return matmul_node(input, other).apply(input, other)


def matmul_node(input, other) -> type:
    """The node class of ``input @ other``, after PyTorch's checks (its errors for operands that do not
    multiply)."""
    a, b = input.shape, other.shape
    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    _same_dtype(input, other)
    if nb <= 2 and na <= 2:
        if a[-1] != b[0]:
            if na == 1 and nb == 1:
                raise _dot_error(a[0], b[0])
            if nb == 1:
                raise _mv_error(a, b[0])
            raise _mm_error(a if na == 2 else (1, a[0]), b)
        return (DotBackward0 if nb == 1 else SqueezeBackward4) if na == 1 else (MvBackward0 if nb == 1 else MmBackward0)
    k = b[-2] if nb > 1 else b[0]
    if nb <= 2:  # folded into one matrix product over the flattened batch
        rows = math.prod(a[:-1])
        if a[-1] != k:
            raise _mv_error((rows, a[-1]), b[0]) if nb == 1 else _mm_error((rows, a[-1]), b)
        return UnsafeViewBackward0
    batch_a, batch_b = a[:-2], b[:-2]
    try:
        batch = np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise broadcast_error(batch_a, batch_b) from None
    if a[-1] != k:
        raise _bmm_error(math.prod(batch), a[-1], (math.prod(batch), k))
    return UnsafeViewBackward0


def mm(input, mat2):
    """Product of two matrices."""
    input, mat2 = lower_precision(input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype(input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise _mm_error(input.shape, mat2.shape)
    return MmBackward0.apply(input, mat2)


def bmm(input, mat2):
    """Batched product of two 3-D tensors with equal batch sizes."""
    input, mat2 = lower_precision(input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input._data.dtype)} but found "
                           f"{_type_name(mat2._data.dtype)}")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise _bmm_error(input.shape[0], input.shape[2], mat2.shape)
    return BmmBackward0.apply(input, mat2)


def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_type_name(input._data.dtype)} "
                           f"and {_type_name(other._data.dtype)}")
    if input.shape[0] != other.shape[0]:
        raise _dot_error(input.shape[0], other.shape[0])
    return DotBackward0.apply(input, other)


def mv(input, vec):
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input._data.dtype != vec._data.dtype:
        v, m = _type_name(vec._data.dtype), _type_name(input._data.dtype)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
    if input.shape[1] != vec.shape[0]:
        raise _mv_error(input.shape, vec.shape[0])
    return MvBackward0.apply(input, vec)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    input, mat1, mat2 = lower_precision(input, mat1, mat2)
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    for other in (mat1, mat2):
        if input._data.dtype != other._data.dtype or mat1._data.dtype != mat2._data.dtype:
            first, second = (input, mat2) if input._data.dtype != mat2._data.dtype else (input, mat1)
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {_type_name(first._data.dtype)} "
                               f"and {_type_name(second._data.dtype)}")
    if mat1.shape[1] != mat2.shape[0]:
        raise _mm_error(mat1.shape, mat2.shape)
    target = (mat1.shape[0], mat2.shape[1])
    if input.shape != target:
        if input.ndim > 2 or any(s != 1 and s != t for s, t in zip(input.shape[::-1], target[::-1])):
            raise expand_error(input.shape, target)
    return AddmmBackward0.apply(input, mat1, mat2, beta, alpha)


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(input.shape[0], 1) * vec2


# -- einsum ------------------------------------------------------------------------------------------------------

class EinsumBackward0(Op):
    """einsum over a normalised equation (explicit output, no ellipsis, no broadcast labels).

    The gradient of an operand is another einsum of the output gradient with the other operands; labels repeated
    within the operand (diagonals) are restored with identity matrices, labels only that operand has with ones.
    PyTorch has no einsum node (it records the permutes, views and bmm it is built from); this fused one is
    ember's own.
    """

    @staticmethod
    def forward(ctx, subs, out, sizes, *operands):
        ctx.meta = (subs, out, sizes)
        ctx.save_for_backward(*operands)
        eq = ",".join(subs) + "->" + out
        big = len(operands) > 2 or builtins_sum(o.size for o in operands) > 4096
        return np.asarray(np.einsum(eq, *operands, optimize=big))

    @staticmethod
    def backward(ctx, g):
        subs, out, sizes = ctx.meta
        operands = ctx.saved_tensors
        grads = [None, None, None]
        fresh = iter(c for c in string.ascii_letters if c not in sizes)
        for i, sub in enumerate(subs):
            if not ctx.needs_input_grad[i + 3]:
                grads.append(None)
                continue
            terms, tensors = [out], [g]
            for j, other in enumerate(subs):
                if j != i:
                    terms.append(other)
                    tensors.append(operands[j])
            present = set("".join(terms))
            target, seen = [], set()
            for c in sub:
                if c in seen:  # a diagonal: a new label tied to the first by an identity matrix
                    d = next(fresh)
                    terms.append(c + d)
                    tensors.append(eye(sizes[c], dtype=g.dtype))
                    target.append(d)
                    continue
                seen.add(c)
                if c not in present:
                    terms.append(c)
                    tensors.append(ones(sizes[c], dtype=g.dtype))
                    present.add(c)
                target.append(c)
            grads.append(EinsumBackward0.apply(terms, "".join(target), sizes, *tensors))
        return tuple(grads)


builtins_sum = sum


def _parse_einsum(equation: str, shapes: list) -> tuple:
    """Explicit subscripts per operand and for the output, with '...' spelled out and the label sizes.

    A label of size 1 in one operand but larger elsewhere (broadcasting) is renamed to a label of its own.
    """
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         if len(shapes) > len(subs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    used = set(equation) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = max((len(shape) - len(s.replace("...", "")) for s, shape in zip(subs, shapes) if "..." in s), default=0)
    ell = "".join(spare[:n_ell])
    spare = spare[n_ell:]
    expanded = []
    for s, shape in zip(subs, shapes):
        if "..." in s:
            k = len(shape) - len(s.replace("...", ""))
            s = s.replace("...", ell[n_ell - k:] if k else "")
        if len(s) != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({len(shape)}) for operand {len(expanded)}"
                               f"{' and no ellipsis was given' if '...' not in lhs else ''}")
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    sizes: dict = {}
    for s, shape in zip(expanded, shapes):
        for c, n in zip(s, shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes [original->remapped]: "
                                   f"subscript {c} has size {n} for one operand which does not broadcast with "
                                   f"previously seen size {sizes[c]}")
            sizes[c] = max(sizes.get(c, 1), n)
    final = []
    for s, shape in zip(expanded, shapes):
        renamed = list(s)
        for k, (c, n) in enumerate(zip(s, shape)):
            if n == 1 and sizes[c] != 1:
                renamed[k] = spare.pop(0)
                sizes[renamed[k]] = 1
        final.append("".join(renamed))
    return final, out, sizes


def einsum(equation: str, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``, with '...' and repeated labels (diagonals)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out, sizes = _parse_einsum(equation, [o.shape for o in operands])
    return EinsumBackward0.apply(subs, out, sizes, *operands)
