"""ONNX converters for the core tensor ops (arithmetic, pointwise, shape, indexing, reductions, matmul, softmax).

A converter is ``fn(b, node, *inputs, **attrs)`` receiving the node's recorded arguments (Values for tensors) and
returning the ONNX names of its outputs (a string for one). ``REGISTRY`` maps op classes to converters; a subclass
finds its base's converter (the pooling ops of every rank share one).
"""
from __future__ import annotations

import numpy as np
from onnx import helper

from ..jit import Value
from ..jit._tracer import UNTRACKED_OPS
from ..ops import arith, index, pointwise, products, reduce, shape
from ..ops.nn import linear
from ..ops.softmax import LogSoftmaxBackward0, SoftmaxBackward0

REGISTRY: dict = {}


def register(*classes):
    def deco(fn):
        for c in classes:
            REGISTRY[c] = fn
        return fn
    return deco


def _out(b):
    return b.node.outputs[0]


# -- arithmetic -------------------------------------------------------------------------------------------------
def _operand(b, x, like: Value):
    return x if isinstance(x, Value) else b.scalar(x, like)


def _binary(op_type: str):
    def convert(b, node, a, c, alpha=1):
        out = _out(b)
        a_name = b.one("Cast", [a], to=_onnx_type(out)) if isinstance(a, Value) and a.np_dtype != out.np_dtype else a
        c_name = b.one("Cast", [c], to=_onnx_type(out)) if isinstance(c, Value) and c.np_dtype != out.np_dtype else c
        a_name, c_name = _operand(b, a_name, out), _operand(b, c_name, out)
        if alpha != 1:
            c_name = b.one("Mul", [c_name, b.scalar(alpha, out)])
        return b.one(op_type, [a_name, c_name])
    return convert


def _onnx_type(value: Value) -> int:
    return helper.np_dtype_to_tensor_dtype(value.np_dtype)


register(arith.AddBackward0)(_binary("Add"))
register(arith.SubBackward0)(_binary("Sub"))
register(arith.MulBackward0)(_binary("Mul"))
register(arith.DivBackward0)(_binary("Div"))
register(arith.MaximumBackward0)(_binary("Max"))
register(arith.MinimumBackward0)(_binary("Min"))


@register(arith.PowBackward0)
def _pow(b, node, a, e=None):
    if e is None:  # square
        return b.one("Mul", [a, a])
    return _binary("Pow")(b, node, a, e)


@register(arith.NegBackward0)
def _neg(b, node, x):
    return b.one("Neg", [x])


_UNARY = {"Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin",
          "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh", "Tanh": "Tanh", "Sigmoid": "Sigmoid",
          "Reciprocal": "Reciprocal", "Relu": "Relu", "Abs": "Abs", "Sign": "Sign", "Floor": "Floor", "Ceil": "Ceil",
          "Round": "Round", "Erf": "Erf"}
for _name, _op_type in _UNARY.items():
    register(getattr(pointwise, f"{_name}Backward0"))(lambda b, node, x, _t=_op_type: b.one(_t, [x]))


@register(pointwise.RsqrtBackward0)
def _rsqrt(b, node, x):
    return b.one("Reciprocal", [b.one("Sqrt", [x])])


@register(pointwise.Log1PBackward0)
def _log1p(b, node, x):
    return b.one("Log", [b.one("Add", [x, b.scalar(1, x)])])


@register(pointwise.Expm1Backward0)
def _expm1(b, node, x):
    return b.one("Sub", [b.one("Exp", [x]), b.scalar(1, x)])


@register(pointwise.ClampBackward1, pointwise.ClampBackward0)
def _clamp(b, node, x, lo=None, hi=None):
    out = x
    if lo is not None:
        out = b.one("Max", [out, _operand(b, lo, x)])
    if hi is not None:
        out = b.one("Min", [out, _operand(b, hi, x)])
    return out


@register(pointwise.WhereBackward0)
def _where(b, node, cond, x, y):
    out = _out(b)
    return b.one("Where", [cond, _operand(b, x, out), _operand(b, y, out)])


# -- comparisons and logic (recorded by the trace under stand-in classes) -------------------------------------
_LOGIC = {"Eq": "Equal", "Lt": "Less", "Le": "LessOrEqual", "Gt": "Greater", "Ge": "GreaterOrEqual",
          "LogicalAnd": "And", "LogicalOr": "Or", "LogicalXor": "Xor", "BitwiseAnd": "And", "BitwiseOr": "Or",
          "BitwiseXor": "Xor"}


def _logic(op_type: str):
    def convert(b, node, a, c):
        like = a if isinstance(a, Value) else c
        a, c = _operand(b, a, like), _operand(b, c, like)
        if op_type in ("And", "Or", "Xor") and like.np_dtype != np.bool_:
            raise b.unsupported("bitwise ops on integers")
        return b.one(op_type, [a, c])
    return convert


for _name, _op_type in _LOGIC.items():
    register(UNTRACKED_OPS[_name])(_logic(_op_type))


@register(UNTRACKED_OPS["Ne"])
def _ne(b, node, a, c):
    return b.one("Not", [_logic("Equal")(b, node, a, c)])


@register(UNTRACKED_OPS["LogicalNot"], UNTRACKED_OPS["BitwiseNot"])
def _not(b, node, x):
    if x.np_dtype != np.bool_:
        raise b.unsupported("bitwise not on integers")
    return b.one("Not", [x])


# -- matrix products --------------------------------------------------------------------------------------------
def _transposed_weight(y) -> Value | None:
    """The matrix ``w`` when ``y`` is ``w.t()`` (Linear's weight): Gemm then reads ``w`` itself with transB=1, so
    the initializer keeps its state_dict name and layout, as in PyTorch's export."""
    node = y.producer if isinstance(y, Value) else None
    if node is not None and issubclass(node.op_class, shape.PermuteBackward0) and len(y.shape) == 2 \
            and tuple(node.inputs[1]) == (1, 0):
        return node.inputs[0]
    return None


@register(products._Matmul, linear.MmBackward0)
def _matmul(b, node, x, y):
    w = _transposed_weight(y)
    if w is not None and len(x.shape) == 2:
        return b.one("Gemm", [x, w], transB=1)
    return b.one("MatMul", [x, y])


@register(products.AddmmBackward0, linear.AddmmBackward0)
def _addmm(b, node, c, x, y, beta=1, alpha=1):
    w = _transposed_weight(y)
    return b.one("Gemm", [x, y if w is None else w, c], transB=None if w is None else 1,
                 alpha=float(alpha) if alpha != 1 else None, beta=float(beta) if beta != 1 else None)


# -- shapes -----------------------------------------------------------------------------------------------------
def _reshape(b, x: Value, target) -> str:
    """Reshape to ``target``, keeping a dim that equals the input's at the same place as ``0`` (copy it) so that a
    symbolic batch dim stays symbolic."""
    target = list(target)
    if list(x.shape) == target:
        return b.input(x)
    dims = [0 if i < len(x.shape) and t == x.shape[i] and t != 0 else t for i, t in enumerate(target)]
    return b.one("Reshape", [x, b.ints(dims)])


@register(shape.ViewBackward0, shape.UnsafeViewBackward0)
def _view(b, node, x, target):
    out = _out(b).shape
    if type(node.module).__name__ == "Flatten" and len(out) == 2 and len(x.shape) > 2 and out[0] == x.shape[0]:
        return b.one("Flatten", [x], axis=1)  # nn.Flatten's own node, as PyTorch exports it
    return _reshape(b, x, out)


@register(shape.ExpandBackward0)
def _expand(b, node, x, target):
    return b.one("Expand", [x, b.ints(_out(b).shape)])


@register(shape.PermuteBackward0)
def _permute(b, node, x, dims):
    return b.one("Transpose", [x], perm=list(dims))


@register(shape.RepeatBackward0)
def _repeat(b, node, x, repeats):
    lead = len(repeats) - len(x.shape)
    x = b.one("Reshape", [x, b.ints((1,) * lead + x.shape)]) if lead else x
    return b.one("Tile", [x, b.ints(repeats)])


@register(shape.CatBackward0)
def _cat(b, node, dim, *xs):
    return b.one("Concat", list(xs), axis=int(dim))


@register(shape.StackBackward0)
def _stack(b, node, dim, *xs):
    return b.one("Concat", [b.one("Unsqueeze", [x, b.ints([dim])]) for x in xs], axis=int(dim))


@register(shape.SplitBackward0)
def _split(b, node, x, sizes, dim):
    return b.split(x, sizes, int(dim) % len(x.shape))


@register(shape.UnbindBackward0)
def _unbind(b, node, x, dim):
    parts = b.split(x, [1] * x.shape[dim], dim)
    return [b.one("Squeeze", [p, b.ints([dim])]) for p in parts]


@register(shape.CloneBackward0)
def _clone(b, node, x, *rest, **attrs):
    return b.one("Identity", [x])


@register(shape.ToCopyBackward0)
def _to(b, node, x, *rest, **attrs):
    return b.one("Cast", [x], to=_onnx_type(_out(b)))


# -- indexing ---------------------------------------------------------------------------------------------------
_INT64_MIN = np.iinfo(np.int64).min


@register(index._BasicIndex)
def _basic_index(b, node, x, key):
    """``x[key]`` for ints, slices, None and Ellipsis: one Slice, then Squeeze the ints, Unsqueeze the Nones."""
    key = key if isinstance(key, tuple) else (key,)
    if Ellipsis in key:
        i = key.index(Ellipsis)
        real = sum(1 for k in key if k is not None and k is not Ellipsis)
        key = key[:i] + (slice(None),) * (len(x.shape) - real) + key[i + 1:]
    ranges, squeeze, unsqueeze = [], [], []  # ranges: (start, end, axis, step) per sliced dim
    dim = out_dim = 0
    for k in key:
        if k is None:
            unsqueeze.append(out_dim)
            out_dim += 1
            continue
        n = x.shape[dim]
        if isinstance(k, (int, np.integer)):
            k = int(k) % n
            ranges.append((k, k + 1, dim, 1))
            squeeze.append(dim)
        elif isinstance(k, slice):
            if k != slice(None):
                start, stop, step = k.indices(n)
                ranges.append((start, _INT64_MIN if step < 0 and stop < 0 else stop, dim, step))
            out_dim += 1
        else:
            raise b.unsupported(f"index item {k!r}")
        dim += 1
    out = b.input(x)
    if ranges:
        starts, ends, axes, steps = zip(*ranges)
        out = b.one("Slice", [out, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        out = b.one("Squeeze", [out, b.ints(squeeze)])
    if unsqueeze:
        out = b.one("Unsqueeze", [out, b.ints(unsqueeze)])
    return out if out != b.input(x) else b.one("Identity", [x])


@register(index.IndexBackward0)
def _advanced_index(b, node, x, key):
    """``x[idx]`` / ``index_select``: one integer index array on one dim (the others whole) becomes a Gather."""
    key = key if isinstance(key, tuple) else (key,)
    arrays = [(d, k) for d, k in enumerate(key) if not (isinstance(k, slice) and k == slice(None))]
    if len(arrays) != 1 or isinstance(arrays[0][1], slice):
        raise b.unsupported("only one integer index array on one dim is exported")
    dim, idx = arrays[0]
    if isinstance(idx, np.ndarray) and idx.dtype == np.bool_:
        raise b.unsupported("boolean mask indexing")
    idx = idx if isinstance(idx, Value) else np.asarray(idx, dtype=np.int64)
    return b.one("Gather", [x, idx], axis=dim)


@register(index.GatherBackward0)
def _gather(b, node, x, dim, idx):
    return b.one("GatherElements", [x, idx], axis=int(dim))


@register(index.MaskedFillBackward0)
def _masked_fill(b, node, x, mask, value):
    return b.one("Where", [mask, _operand(b, value, x), x])


# -- reductions and softmax ---------------------------------------------------------------------------------------
@register(reduce.SumBackward0)
def _sum(b, node, x, dims, keepdim, dtype=None):
    return b.reduce("ReduceSum", x, dims, keepdim)


@register(reduce.MeanBackward0)
def _mean(b, node, x, dims, keepdim):
    return b.reduce("ReduceMean", x, dims, keepdim)


@register(reduce.AmaxBackward0)
def _amax(b, node, x, dims, keepdim, *rest):
    op_type = "ReduceMin" if "Min" in node.kind else "ReduceMax"
    return b.reduce(op_type, x, dims, keepdim)


@register(reduce.MaxBackward0)
def _max_dim(b, node, x, dim, keepdim):
    largest = "Min" not in node.kind
    values = b.reduce("ReduceMax" if largest else "ReduceMin", x, [dim], keepdim)
    indices = b.one("ArgMax" if largest else "ArgMin", [x], axis=int(dim), keepdims=int(keepdim))
    return [values, indices]


@register(SoftmaxBackward0)
def _softmax(b, node, x, dim):
    return b.one("Softmax", [x], axis=int(dim))


@register(LogSoftmaxBackward0)
def _log_softmax(b, node, x, dim):
    return b.one("LogSoftmax", [x], axis=int(dim))
