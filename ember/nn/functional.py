"""``ember.nn.functional``: the functional form of every layer.

Each function is defined once, in the op file of its family under ``ember/ops/nn_*.py`` (forward and backward
together); this module only gathers them under PyTorch's names.
"""
from ..ops.nn_linear import *  # noqa: F401,F403
from ..ops.nn_conv import *  # noqa: F401,F403
from ..ops.nn_pool import *  # noqa: F401,F403
from ..ops.nn_activation import *  # noqa: F401,F403
from ..ops.nn_batch_norm import *  # noqa: F401,F403
from ..ops.nn_norm import *  # noqa: F401,F403
from ..ops.nn_dropout import *  # noqa: F401,F403
from ..ops.nn_padding import *  # noqa: F401,F403
from ..ops.nn_resample import *  # noqa: F401,F403
from ..ops.nn_shuffle import *  # noqa: F401,F403
from ..ops.nn_embedding import *  # noqa: F401,F403
from ..ops.nn_distance import *  # noqa: F401,F403
from ..ops.nn_loss import *  # noqa: F401,F403
from ..ops.nn_attention import *  # noqa: F401,F403
from ..ops.pointwise import sigmoid, tanh  # noqa: F401
from ..ops.reduce import log_softmax, softmax  # noqa: F401
