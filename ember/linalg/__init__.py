"""``ember.linalg``: PyTorch's ``torch.linalg`` (decompositions, solves, inverses, norms and matrix functions), each
function an op of ``ember.ops`` with its gradient."""
from ..ops._linalg import LinAlgError
from ..ops.decompositions import eig, eigh, eigvals, eigvalsh, lstsq, matrix_rank, pinv, qr, svd, svdvals
from ..ops.diagonal import diagonal as _diagonal
from ..ops.lu import lu, lu_factor, lu_factor_ex, lu_solve
from ..ops.matrix_functions import (cond, cross, householder_product, linalg_norm as norm, matrix_exp, matrix_norm,
                                    matrix_power, multi_dot, tensorinv, tensorsolve, vander, vecdot, vector_norm)
from ..ops.products import matmul
from ..ops.solvers import cholesky, cholesky_ex, det, inv, inv_ex, slogdet, solve, solve_ex, solve_triangular

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
           "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv",
           "tensorsolve", "vander", "vecdot", "vector_norm"]


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonal ``offset`` of each matrix of ``A`` (a view), as ``ember.diagonal`` with the last two dims."""
    return _diagonal(A, offset, dim1, dim2)
