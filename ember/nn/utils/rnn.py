"""``nn.utils.rnn``: packed sequences (``PackedSequence``) and the padding/packing conversions between them.

A packed batch keeps only the real time steps: ``data`` holds, for each time step in turn, one row per sequence
still running (sequences sorted longest first), and ``batch_sizes[t]`` says how many. Every conversion here is one
index gather built with NumPy (no loop over the batch), so gradients flow back through it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ... import _creation
from ..._dtype import float16, float32, float64, int64
from ..._tensor import Tensor
from ...ops.shape import cat

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """A packed batch of variable-length sequences; build it with ``pack_padded_sequence`` or ``pack_sequence``.

    ``sorted_indices`` maps the packed order back to the caller's batch order (None when the input was sorted);
    ``unsorted_indices`` is its inverse.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def double(self) -> "PackedSequence":
        return self.to(dtype=float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=int64)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    p = permutation.numpy()
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return _creation.tensor(out)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths.numpy().astype(np.int64)
    return np.asarray(list(lengths), dtype=np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence ``b`` is
    ``lengths[b]`` long. With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted
    here and ``sorted_indices`` records the order."""
    lengths = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _creation.tensor(order)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    batch = input.shape[0 if batch_first else 1]
    if lengths.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.shape[0]} "
                           f"(batch_size={batch})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    steps = int(lengths[0])
    t = np.arange(steps)
    batch_sizes = (lengths[None, :] > t[:, None]).sum(1)
    # flat row (in the (T*B) or (B*T) view of input) of each packed row: time-major, then batch
    tt, bb = np.nonzero(lengths[None, :] > t[:, None])
    rows = bb * input.shape[1] + tt if batch_first else tt * batch + bb
    flat = input.reshape((-1,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _creation.tensor(rows))
    return PackedSequence(data, _creation.tensor(batch_sizes.astype(np.int64)), sorted_indices, None)


def _gather_padded(data: Tensor, index: np.ndarray, padding_value: float) -> Tensor:
    """Rows of ``data`` picked by ``index`` (any shape); index ``len(data)`` gives a row of ``padding_value``."""
    pad = _creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    rows = cat([data, pad]).index_select(0, _creation.tensor(index.reshape(-1)))
    return rows.reshape(index.shape + tuple(data.shape[1:]))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """Undo ``pack_padded_sequence``: returns the padded batch and each sequence's length (int64, CPU)."""
    batch_sizes = sequence.batch_sizes.numpy().astype(np.int64)
    max_seq_length = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    batch = int(batch_sizes[0])
    steps = batch_sizes.shape[0]
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    b = np.arange(batch)
    index = np.full((max_seq_length, batch), sequence.data.shape[0], dtype=np.int64)
    index[:steps] = np.where(b[None, :] < batch_sizes[:, None], offsets[:, None] + b[None, :],
                             sequence.data.shape[0])
    lengths = (batch_sizes[None, :] > b[:, None]).sum(1).astype(np.int64)
    padded = _gather_padded(sequence.data, index.T if batch_first else index, padding_value)
    lengths_t = _creation.tensor(lengths)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices
        return padded.index_select(0 if batch_first else 1, unsorted), lengths_t[unsorted]
    return padded, lengths_t


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), padding each to the
    longest on the right or the left."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        for dim, (a, got) in enumerate(zip(trailing, s.shape[1:])):
            if a != got and got != 1:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({got}) at "
                                   f"non-singleton dimension {dim + 1}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps = int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    t = np.arange(steps)[:, None]
    first = 0 if padding_side == "right" else steps - lengths[None, :]
    position = t - first
    index = np.where((position >= 0) & (position < lengths[None, :]), starts[None, :] + position, lengths.sum())
    data = cat([s.expand((s.shape[0],) + trailing) if tuple(s.shape[1:]) != trailing else s for s in sequences])
    return _gather_padded(data, index.T if batch_first else index, padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (the list is per sample by nature)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(length)] for seq, length in zip(padded_sequences, _lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a ``PackedSequence`` holds, in the caller's original order."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
