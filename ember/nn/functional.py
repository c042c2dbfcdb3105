"""``ember.nn.functional``: the functional form of every layer.

Each function is defined once, in the op family that owns it under ``ember/ops/nn/`` (forward and backward
together); this module only gathers them under PyTorch's names.
"""
from ..ops.nn.activation import *  # noqa: F401,F403
from ..ops.nn.attention import *  # noqa: F401,F403
from ..ops.nn.conv import *  # noqa: F401,F403
from ..ops.nn.distance import *  # noqa: F401,F403
from ..ops.nn.dropout import *  # noqa: F401,F403
from ..ops.nn.embedding import *  # noqa: F401,F403
from ..ops.nn.grid import *  # noqa: F401,F403
from ..ops.nn.linear import *  # noqa: F401,F403
from ..ops.nn.loss import *  # noqa: F401,F403
from ..ops.nn.norm import *  # noqa: F401,F403
from ..ops.nn.padding import *  # noqa: F401,F403
from ..ops.nn.pool import *  # noqa: F401,F403
from ..ops.nn.resample import *  # noqa: F401,F403
from ..ops.nn.shuffle import *  # noqa: F401,F403
from .._tensor import Tensor  # noqa: F401
from ..ops.pointwise import sigmoid, tanh  # noqa: F401
from ..overrides import has_torch_function, has_torch_function_unary, has_torch_function_variadic  # noqa: F401
from ..ops.reduce import log_softmax, softmax  # noqa: F401
