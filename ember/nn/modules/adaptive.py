"""``nn.AdaptiveLogSoftmaxWithLoss``: the efficient softmax approximation of Grave et al. for large vocabularies."""
from __future__ import annotations

from collections import namedtuple
from itertools import pairwise
from typing import Sequence

import numpy as np

from ...ops.reduce import argmax, log_softmax
from ...ops.shape import cat
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module
from ..._tensor import wrap

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _const(array: np.ndarray):
    return wrap(array)


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities over ``n_classes`` split by ``cutoffs`` into a frequent shortlist and rarer clusters.

    ``head`` (``Linear(in_features, cutoffs[0] + n_clusters)``) scores the shortlist classes and one entry per
    cluster; cluster ``i`` (``tail[i]``, two bias-free Linears through ``in_features // div_value ** (i + 1)``
    features) scores the classes inside it, so ``log p(c) = log p_head(cluster) + log p_cluster(c)``.
    ``forward(input (N, in_features), target (N,))`` returns ``(output (N,), loss)``: each target's
    log-probability and their negated mean.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(self.in_features, self.head_size, bias=self.head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(self.in_features // (self.div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(self.in_features, hsz, bias=False, **factory),
                                        Linear(hsz, osz, bias=False, **factory)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_) -> _ASMoutput:
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        t = target._data
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{t.min()}, {t.max()}] were found. ")
        cluster = np.searchsorted(self.cutoffs, t, side="right")  # 0: shortlist, i: tail[i - 1]
        gather_inds = np.where(cluster == 0, t, self.shortlist_size + cluster - 1)

        # each row's log-probability inside its cluster (0 in the shortlist), computed cluster by cluster
        dtype = input._data.dtype
        rows_in_order, pieces = [np.flatnonzero(cluster == 0)], []
        for i in range(1, self.n_clusters + 1):
            rows = np.flatnonzero(cluster == i)
            if rows.size == 0:
                continue
            local = log_softmax(self.tail[i - 1](input.index_select(0, _const(rows))), 1)
            relative = (t[rows] - self.cutoffs[i - 1])[:, None]
            pieces.append(local.gather(1, _const(relative)).squeeze(1))
            rows_in_order.append(rows)
        shortlist_zeros = _const(np.zeros(rows_in_order[0].size, dtype=dtype))
        if pieces:
            order = np.concatenate(rows_in_order)
            position = np.empty_like(order)
            position[order] = np.arange(order.size)
            output = cat([shortlist_zeros] + pieces).index_select(0, _const(position))
        else:
            output = shortlist_zeros

        head_logprob = log_softmax(self.head(input), 1)
        output = output + head_logprob.gather(1, _const(gather_inds[:, None])).squeeze(1)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input, head_output):
        """Log-probabilities of all classes ``(N, n_classes)`` from the input and the head's output."""
        out = input.new_empty((head_output.shape[0], self.n_classes))
        head_logprob = log_softmax(head_output, 1)
        out[:, :self.shortlist_size] = head_logprob[:, :self.shortlist_size]
        for i, (start, stop) in enumerate(pairwise(self.cutoffs)):
            cluster_logprob = log_softmax(self.tail[i](input), 1)
            out[:, start:stop] = cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1)
        return out

    def log_prob(self, input):
        """Log-probabilities of all ``n_classes`` classes: input ``(N, in_features)``, output ``(N, n_classes)``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most probable class of each row, ``log_prob(input).argmax(1)``, computed for the shortlist alone
        where the head already picks a shortlist class. Input ``(N, in_features)``, output ``(N,)``."""
        head_output = self.head(input)
        output = argmax(head_output, dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not bool(not_in_shortlist.any()):
            return output
        if bool(not_in_shortlist.all()):
            return argmax(self._get_full_log_prob(input, head_output), dim=1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = argmax(log_prob, dim=1)
        return output
