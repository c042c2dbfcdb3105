"""Shape and layout ops: view/reshape, permute/transpose, (un)squeeze, expand, repeat, flip, roll, cat/stack/split."""
from __future__ import annotations

import numpy as np

from .._dtype import _promote, _type_name
from ..autograd.function import Op
from ..autograd.grad_mode import STATE
from ._util import normalize_dim, sum_to
from .._tensor import Tensor, wrap
from .._creation import zeros


def _infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 in ``shape``; raise PyTorch's message when the element count does not fit."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape [{', '.join(map(str, shape))}] because "
                               "the unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


class ViewBackward0(Op):
    """A reshape that must not copy (``view``); the subclasses are reshapes that never need to."""

    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        return _reshaped(g, ctx.in_shape), None


def _reshaped(g, shape: tuple):
    """``g.reshape(shape)``, on the array when no graph of the gradient is built."""
    if not STATE.enabled:
        return wrap(g._data.reshape(shape))
    return g.reshape(shape)


class UnsqueezeBackward0(ViewBackward0):
    """``unsqueeze(dim)``."""


class UnsqueezeBackward1(ViewBackward0):
    """``unsqueeze_(dim)``."""


class SqueezeBackward0(ViewBackward0):
    """``squeeze()``."""


class SqueezeBackward1(ViewBackward0):
    """``squeeze(dim)``."""


class SqueezeBackward2(ViewBackward0):
    """``squeeze(dims)`` with a tuple of dims."""


class SqueezeBackward3(ViewBackward0):
    """``squeeze_()``."""


class SqueezeBackward4(ViewBackward0):
    """``squeeze_(dim)``."""


class SqueezeBackward5(ViewBackward0):
    """``squeeze_(dims)`` with a tuple of dims."""


class UnsafeViewBackward0(Op):
    """A reshape that had to copy (the input's strides allow no view): PyTorch's ``_unsafe_view`` of a clone."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return _reshaped(g, ctx.in_shape), None


def _shape_arg(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape


def view(input, *shape):
    """The same storage with another shape; ``view(dtype)`` reinterprets the bytes."""
    if len(shape) == 1 and hasattr(shape[0], "np"):
        return wrap(input._data.view(shape[0].np))
    try:
        return ViewBackward0.apply(input, _infer_shape(_shape_arg(shape), input._data.size))
    except RuntimeError as error:  # PyTorch's message names the size, not the shape it came from
        error.add_note(f"the tensor has shape {tuple(input._data.shape)}")
        raise


def reshape(input, *shape):
    """``shape`` with the same elements: a view when the strides allow, else a copy."""
    data = input._data
    try:
        shape = _infer_shape(_shape_arg(shape), data.size)
    except RuntimeError as error:
        error.add_note(f"the tensor has shape {tuple(data.shape)}")
        raise
    if data.flags.c_contiguous:
        return ViewBackward0.apply(input, shape)
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        if input._requires_grad and STATE.enabled:  # recorded as PyTorch does: _unsafe_view of a clone
            return UnsafeViewBackward0.apply(CloneBackward0.apply(input), shape)
        return UnsafeViewBackward0.apply(input, shape)
    return ViewBackward0.apply(input, shape)


class PermuteBackward0(Op):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        dims = ctx.dims
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        if not STATE.enabled:
            return wrap(g._data.transpose(inverse)), None
        return g.permute(tuple(inverse)), None


class TransposeBackward0(PermuteBackward0):
    """``transpose(dim0, dim1)``."""


class TransposeBackward1(PermuteBackward0):
    """``transpose_(dim0, dim1)``."""


class TBackward0(PermuteBackward0):
    """``t()``."""


class TBackward1(PermuteBackward0):
    """``t_()``."""


def permute(input, *dims):
    """A view with the dims reordered."""
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return PermuteBackward0.apply(input, dims)


def transpose(input, dim0: int, dim1: int):
    """A view with two dims swapped."""
    return TransposeBackward0.apply(input, swapped_dims(input._data.ndim, dim0, dim1))


def swapped_dims(ndim: int, dim0: int, dim1: int) -> tuple:
    """The permutation of ``ndim`` dims that swaps ``dim0`` and ``dim1``."""
    dims = list(range(ndim))
    d0, d1 = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    if ndim:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    return tuple(dims)


def t(input):
    """Transpose of a matrix (a view of tensors with fewer dims as they are)."""
    return TBackward0.apply(input, t_dims(input._data.ndim))


def t_dims(ndim: int) -> tuple:
    """The permutation ``t()`` applies to a tensor of ``ndim`` dims."""
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    return (1, 0) if ndim == 2 else tuple(range(ndim))


def unsqueeze(input, dim: int):
    """A view with a size-1 dim inserted at ``dim``."""
    return UnsqueezeBackward0.apply(input, unsqueezed_shape(input._data.shape, dim))


def unsqueezed_shape(shape: tuple, dim: int) -> tuple:
    """``shape`` with a 1 inserted at ``dim``."""
    dim = normalize_dim(dim, len(shape) + 1)
    return shape[:dim] + (1,) + shape[dim:]


def squeeze(input, dim=None):
    """A view without size-1 dims (only those in ``dim`` when given)."""
    op = SqueezeBackward0 if dim is None else SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    return op.apply(input, squeezed_shape(input._data.shape, dim))


def squeezed_shape(shape: tuple, dim) -> tuple:
    """``shape`` without its 1s (only those at the dims ``dim``, an int or a sequence, when given)."""
    if dim is None:
        return tuple(s for s in shape if s != 1)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {normalize_dim(d, len(shape)) for d in dims} if shape else set()
    return tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Dims ``start_dim..end_dim`` merged into one (a view when the strides allow); a one-dim range returns the
    input itself, as in PyTorch."""
    shape = input._data.shape
    ndim = len(shape)
    if ndim == 0:
        return input.reshape(1)
    s, e = normalize_dim(start_dim, ndim), normalize_dim(end_dim, ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    merged = 1
    for n in shape[s:e + 1]:
        merged *= n
    return input.reshape(shape[:s] + (merged,) + shape[e + 1:])


def unflatten(input, dim: int, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    dim = normalize_dim(dim, input.ndim)
    sizes = tuple(sizes)
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 not in sizes and int(np.prod(sizes)) != input.shape[dim]:
        raise RuntimeError(f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't multiply up to the size "
                           f"of dim {dim} ({input.shape[dim]}) in the input tensor")
    sizes = _infer_shape(sizes, input.shape[dim])
    return input.reshape(input.shape[:dim] + tuple(sizes) + input.shape[dim + 1:])


class ExpandBackward0(Op):
    _is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.in_shape), None


def expand_error(shape: tuple, sizes: tuple, np_dtype=np.float32) -> RuntimeError:
    """PyTorch's message for a shape that cannot be expanded to ``sizes``."""
    shape, sizes = tuple(shape), tuple(sizes)
    if len(sizes) < len(shape):
        return RuntimeError(f"expand(ember.{_type_name(np_dtype)}Tensor{{{list(shape)}}}, size="
                            f"[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be "
                            f"greater or equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    for i in range(len(sizes) - 1, lead - 1, -1):
        cur, s = shape[i - lead], sizes[i]
        if cur != 1 and cur != s:
            return RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                                f"non-singleton dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  "
                                f"Tensor sizes: [{', '.join(map(str, shape))}]")
    return RuntimeError(f"cannot expand {list(shape)} to {list(sizes)}")


def expand(input, *sizes):
    """A broadcast view with ``sizes`` (-1 keeps a dim; new dims are added in front)."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise expand_error(input.shape, sizes, input._data.dtype)
    shape = []
    for i, s in enumerate(sizes):
        cur = input.shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            s = cur
        elif cur != 1 and cur != s:
            raise expand_error(input.shape, sizes)
        shape.append(s)
    shape = tuple(shape)
    if shape == input.shape and not input.requires_grad:
        return input
    return ExpandBackward0.apply(input, shape)


class RepeatBackward0(Op):
    @staticmethod
    def forward(ctx, x, repeats):
        lead = len(repeats) - x.ndim
        shape = (1,) * lead + x.shape
        ctx.meta = (x.shape, shape, repeats)
        return np.tile(x.reshape(shape), repeats)

    @staticmethod
    def backward(ctx, g):
        in_shape, shape, repeats = ctx.meta
        split = []
        for r, s in zip(repeats, shape):
            split += [r, s]
        g = g.reshape(split).sum(tuple(range(0, len(split), 2)))
        return g.reshape(in_shape), None


def repeat(input, *repeats):
    """Tile ``input`` ``repeats[i]`` times along each dim (leading new dims allowed)."""
    if len(repeats) == 1 and not isinstance(repeats[0], int):
        repeats = tuple(repeats[0])
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return RepeatBackward0.apply(input, tuple(repeats))


class FlipBackward0(Op):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


def flip(input, dims):
    """Reverse the order of elements along ``dims``."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return FlipBackward0.apply(input, tuple(normalize_dim(d, input.ndim) for d in dims))


class RollBackward0(Op):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.meta = (shifts, dims)
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.meta
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return g.roll(neg, dims), None, None


def roll(input, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (flattened when None)."""
    if dims is None:
        return RollBackward0.apply(input, shifts, None)
    if isinstance(shifts, (list, tuple)):
        shifts, dims = tuple(shifts), tuple(dims)
    return RollBackward0.apply(input, shifts, dims)


class CatBackward0(Op):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.meta = (dim, [x.shape[dim] for x in xs])
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, sizes = ctx.meta
        return (None,) + tuple(g.split(sizes, dim))


def _tensor_list(tensors) -> list:
    """``tensors`` as a list, each checked to be a Tensor (PyTorch's TypeError names the first that is not)."""
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def cat(tensors, dim: int = 0):
    """Concatenate along an existing dim; dtypes promote as in PyTorch."""
    tensors = _tensor_list(tensors)
    if not tensors:
        raise ValueError("ember.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            dt = _promote(dt, 2, t._data.dtype, 2)
    # legacy: 1-D empty tensors are skipped whatever the other shapes
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    dim = normalize_dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d in range(ref.ndim):
            if d != dim and t.shape[d] != ref.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size "
                                   f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list.")
    tensors = [t if t._data.dtype == dt else t.to(dt) for t in tensors]
    return CatBackward0.apply(dim, *tensors)


class StackBackward0(Op):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        if dim == 0:  # np.array copies equally shaped arrays into a new leading dim, without np.stack's overhead
            return np.array(xs, dtype=xs[0].dtype)
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g.unbind(ctx.dim))


def stack(tensors, dim: int = 0):
    """Join equally shaped tensors along a new dim."""
    tensors = _tensor_list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data
    shape, dt, mixed = first.shape, first.dtype, False
    for i, t in enumerate(tensors):
        data = t._data
        if data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(data.shape)} at entry {i}")
        if data.dtype != dt:
            dt, mixed = _promote(dt, 2, data.dtype, 2), True
    dim = normalize_dim(dim, len(shape) + 1)
    if mixed:
        tensors = [t if t._data.dtype == dt else t.to(dt) for t in tensors]
    return StackBackward0.apply(dim, *tensors)


class SplitBackward0(Op):
    """``split(size)`` and ``chunk``."""

    _is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.meta = (x.shape, x.dtype, sizes, dim)
        return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        shape, dtype, sizes, dim = ctx.meta
        filled = [g if g is not None else zeros(shape[:dim] + (s,) + shape[dim + 1:], dtype=dtype)
                  for g, s in zip(grads, sizes)]
        return cat(filled, dim), None, None


class SplitWithSizesBackward0(SplitBackward0):
    """``split(sizes)`` with a list of sizes."""


def split(tensor, split_size_or_sections, dim: int = 0):
    """Views of ``tensor`` split along ``dim`` into chunks of a size or a list of sizes."""
    dim = normalize_dim(dim, tensor.ndim)
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [step] * (n // step) + ([n % step] if n % step else []) if step else [n]
        if not sizes:
            sizes = [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {dim}), but got split_sizes={sizes}")
    op = SplitBackward0 if isinstance(split_size_or_sections, int) else SplitWithSizesBackward0
    out = op.apply(tensor, sizes, dim)
    return out if isinstance(out, tuple) else (out,)


def chunk(input, chunks: int, dim: int = 0):
    """Split ``input`` along ``dim`` into at most ``chunks`` views of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input.shape[normalize_dim(dim, input.ndim)]
    step = -(-n // chunks)
    return split(input, max(step, 1), dim)


class UnbindBackward0(Op):
    _is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.meta = (x.shape, x.dtype, dim)
        lead = (slice(None),) * dim
        return tuple([x[lead + (i, Ellipsis)] for i in range(x.shape[dim])])

    @staticmethod
    def backward(ctx, *grads):
        shape, dtype, dim = ctx.meta
        part = shape[:dim] + shape[dim + 1:]
        return stack([g if g is not None else zeros(part, dtype=dtype) for g in grads], dim), None


def unbind(input, dim: int = 0):
    """The slices along ``dim``, as a tuple of views without that dim."""
    dim = normalize_dim(dim, input.ndim)
    return UnbindBackward0.apply(input, dim) if input.shape[dim] else ()


def narrow(input, dim: int, start: int, length: int):
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    dim = normalize_dim(dim, input.ndim)
    if start < 0:
        start += input.shape[dim]
    if start + length > input.shape[dim] or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({input.shape[dim]}).")
    index = (slice(None),) * dim + (slice(start, start + length),)
    return input[index]


class ToCopyBackward0(Op):
    """A dtype conversion; the gradient is converted back."""

    _float32_compute = False  # converts a bfloat16 input itself

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.in_dtype), None


class CloneBackward0(Op):
    """``clone()``, and ``contiguous()`` of a tensor that is not: a C-contiguous copy."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class TrilBackward0(Op):
    _upper = False

    @classmethod
    def forward(cls, ctx, x, diagonal):
        ctx.diagonal = diagonal
        return (np.triu if cls._upper else np.tril)(x, diagonal)

    @classmethod
    def backward(cls, ctx, g):
        return (triu if cls._upper else tril)(g, ctx.diagonal), None


class TriuBackward0(TrilBackward0):
    _upper = True


def _check_matrix(name: str, input) -> None:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input, diagonal: int = 0):
    """The lower triangle (on and below ``diagonal``) of the last two dims; the rest is zero."""
    _check_matrix("tril", input)
    return TrilBackward0.apply(input, diagonal)


def triu(input, diagonal: int = 0):
    """The upper triangle (on and above ``diagonal``) of the last two dims; the rest is zero."""
    _check_matrix("triu", input)
    return TriuBackward0.apply(input, diagonal)


def select(input, dim: int, index: int):
    """The slice at ``index`` along ``dim`` (a view without that dim)."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{dim}")
    return input[(slice(None),) * dim + (index,)]


def broadcast_to(input, size):
    """``input.expand(size)``."""
    return expand(input, size)
