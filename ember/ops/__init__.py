"""ember's ops, one file per family; each op is defined once and reused by Tensor methods, ``ember.*`` functions,
``nn.functional`` and the modules."""
from types import ModuleType as _ModuleType

from .arith import (add, addcdiv, addcmul, div, floor_divide, lerp, maximum, minimum, mul, neg, pow, remainder,
                    sub)
from .binary import arctan2, atan2, hypot, logaddexp, xlogy
from .combine import cartesian_prod, kron, meshgrid, repeat_interleave
from .compare import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, greater,
                      greater_equal, gt, isclose, isfinite, isinf, isnan, le, less, less_equal, logical_and,
                      logical_not, logical_or, logical_xor, lt, ne, not_equal)
from .cumulative import cummax, cummin, cumprod, cumsum
from .diagonal import diag, diag_embed, diagonal, trace
from .index import gather, index_select, masked_fill, masked_select, nonzero, scatter, scatter_add
from .index_dim import index_add, index_copy, index_fill, masked_scatter, take, take_along_dim
from .linalg import addmm, bmm, dot, einsum, matmul, mm, mv, outer
from .pointwise import (abs, acos, asin, atan, ceil, clamp, clamp_max, clamp_min, cos, cosh, erf, exp, exp2, expm1,
                        floor, frac, log, log1p, log2, log10, reciprocal, relu, round_, rsqrt, sigmoid, sign, sin, sinc,
                        sinh, sqrt, square, tan, tanh, trunc, where)
from .reduce import all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, norm, prod, std, sum, var
from .shape import (broadcast_to, cat, chunk, expand, flatten, flip, narrow, permute, repeat, reshape, roll, select,
                    split, squeeze, stack, t, transpose, tril, triu, unbind, unflatten, unsqueeze, view)
from .softmax import log_softmax, softmax
from .sort import argsort, sort, topk, unique

# ``from .ops import *`` fills ember's top-level namespace: the functions only, not the family modules, and not the
# ops PyTorch has only as Tensor methods
__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and not isinstance(value, _ModuleType) and name not in ("expand", "repeat", "view")]
