"""ember's ops, one file per family; each op is defined once and reused by Tensor methods, ``ember.*`` functions,
``nn.functional`` and the modules."""
from types import ModuleType as _ModuleType

from .arith import (add, addcdiv, addcmul, div, floor_divide, lerp, maximum, minimum, mul, neg, pow, remainder,
                    rsub, sub)
from .binary import (arctan2, atan2, copysign, float_power, fmax, fmin, fmod, gcd, heaviside, hypot, lcm, ldexp,
                     logaddexp, logaddexp2, nextafter, xlogy)
from .combine import cartesian_prod, kron, meshgrid, repeat_interleave
from .compare import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, greater,
                      greater_equal, gt, isclose, isfinite, isinf, isnan, le, less, less_equal, logical_and,
                      logical_not, logical_or, logical_xor, lt, ne, not_equal)
from .complex_numbers import (angle, complex, conj, conj_physical, imag, is_complex, polar, real, resolve_conj,
                              view_as_complex, view_as_real)
from .constructors import (BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                           IntTensor, LongTensor, ShortTensor, asarray, frombuffer)
from .contractions import addbmm, addmv, addr, baddbmm, ger, inner, tensordot, vdot
from .cumulative import cummax, cummin, cumprod, cumsum
from .decompositions import _old_qr as qr, _old_svd as svd, pinverse
from .copies import (alias_copy, detach_copy, diagonal_copy, expand_copy, narrow_copy, permute_copy, select_copy,
                     slice_copy, split_copy, split_with_sizes_copy, squeeze_copy, t_copy, transpose_copy, unbind_copy,
                     unfold_copy, unsqueeze_copy, view_as_complex_copy, view_as_real_copy, view_copy)
from .covariance import corrcoef, cov
from .diagonal import diag, diag_embed, diagflat, diagonal, trace
from .index import (argwhere, gather, index_select, masked_fill, masked_select, nonzero, nonzero_static, scatter,
                    scatter_add, unravel_index)
from .integration import cumulative_trapezoid, trapezoid, trapz
from .index_dim import index_add, index_copy, index_fill, masked_scatter, take, take_along_dim
from .products import addmm, bmm, dot, einsum, matmul, mm, mv, outer
from .lu import _old_lu_solve as lu_solve, lu_unpack
from .matrix_functions import (_old_cross as cross, _old_vander as vander, chain_matmul, frobenius_norm, matrix_exp,
                               matrix_power, nuclear_norm)
from .pointwise import (abs, acos, asin, atan, ceil, clamp, clamp_max, clamp_min, cos, cosh, digamma, erf, erfinv, exp,
                        exp2, expm1, floor, frac, lgamma, log, log1p, log2, log10, polygamma, reciprocal, relu, round_,
                        rsqrt, sigmoid, sign, sin, sinc, sinh, sqrt, square, tan, tanh, trunc, where)
from .pointwise import (acosh, asinh, atanh, deg2rad, erfc, fix, frexp, i0, isneginf, isposinf, isreal, logit,
                        mvlgamma, nan_to_num, positive, rad2deg, sgn, signbit)
from .order import kthvalue, mode, msort
from .rearrange import (adjoint, movedim, moveaxis, ravel, split_with_sizes, swapdims, unsafe_chunk, unsafe_split,
                        unsafe_split_with_sizes)
from .reduce import (all, amax, amin, aminmax, any, argmax, argmin, cdist, dist, logsumexp, max, mean, min, norm, prod, renorm,
                     std, sum, var)
from .sampling import binomial, poisson
from .scatter_views import diagonal_scatter, index_put, put, select_scatter, slice_scatter
from .shape import (broadcast_to, cat, chunk, expand, flatten, flip, narrow, permute, repeat, reshape, roll, select,
                    split, squeeze, stack, t, transpose, tril, triu, unbind, unflatten, unsqueeze, view)
from .softmax import log_softmax, softmax
from .solvers import (_old_slogdet as slogdet, cholesky, cholesky_inverse, cholesky_solve, det, inverse, logdet,
                      triangular_solve)
from .sort import argsort, sort, topk, unique
from .._dtype import (can_cast, finfo, get_default_device, iinfo, is_floating_point, promote_types,
                      result_dtype as result_type, set_default_device)
from .search import bucketize, isin, searchsorted, unique_consecutive
from .statistics import (bincount, count_nonzero, diff, histc, histogram, logcumsumexp, median, nanmean, nanmedian,
                         nanquantile, nansum, quantile, std_mean, var_mean)
from .stacking import (atleast_1d, atleast_2d, atleast_3d, block_diag, broadcast_shapes, broadcast_tensors,
                       column_stack, combinations, concat, concatenate, dsplit, dstack, fliplr, flipud, hsplit, hstack,
                       rot90, row_stack, tensor_split, tile, tril_indices, triu_indices, vsplit, vstack)
from .special import igamma, igammac
from .windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window
from .._creation import arange, linspace, ones, rand, randn, zeros
from ._out import with_out as _with_out

# the top-level functions that take ``out=`` in PyTorch; Tensor methods and operators are bound to the plain ones
for _name in ("add", "sub", "mul", "div", "cat", "stack", "sum", "mean", "exp", "log", "sqrt", "pow", "cumsum"):
    globals()[_name] = _with_out(globals()[_name])
for _rule, _names in (("exact", ("matmul", "mm", "bmm", "max", "min", "argmax", "sort", "topk")),
                      ("found", ("clamp", "abs")), ("where", ("where",))):
    for _name in _names:
        globals()[_name] = _with_out(globals()[_name], rule=_rule)
for _name in ("zeros", "ones", "arange", "linspace", "randn", "rand"):
    globals()[_name] = _with_out(globals()[_name], factory=True)

# PyTorch's other names of the same functions (Tensor methods take them too)
_ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "negative": "neg",
            "absolute": "abs", "clip": "clamp", "arctan": "atan", "arcsin": "asin", "arccos": "acos",
            "arctanh": "atanh", "arcsinh": "asinh", "arccosh": "acosh", "swapaxes": "transpose"}
for _alias, _name in _ALIASES.items():
    globals()[_alias] = globals()[_name]

# ``from .ops import *`` fills ember's top-level namespace: the functions only, not the family modules, and not the
# ops PyTorch has only as Tensor methods
__all__ = [name for name, value in list(globals().items()) if not name.startswith("_")
           and not isinstance(value, _ModuleType) and name not in ("expand", "repeat", "view")]
