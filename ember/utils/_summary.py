"""``ember.utils.summary``: torchinfo's model table (module tree, output shapes, parameters, mult-adds, sizes), built
from one ``ember.jit`` capture, and a search for the input sizes a model accepts. (The module's name is private so
that ``ember.utils.summary`` stays the function once the module is imported.)

Given ``input_size=(1, 3, None, None)`` the dims left as None are searched: the forward is tried over a range of
sizes and the report says which make it valid and, for the nearest that do not, where the shapes break (the module
path and PyTorch's message). Seed 000's question ("which image sizes does this LeNet take?") is answered this way.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .._creation import zeros
from .._dtype import float32
from ..autograd.grad_mode import no_grad
from ..jit import Graph, ModuleCall, capture

__all__ = ["summary", "ModelStatistics"]

_COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size", "mult_adds", "trainable")
_HEADERS = {"input_size": "Input Shape", "output_size": "Output Shape", "num_params": "Param #",
            "params_percent": "Param %", "kernel_size": "Kernel Shape", "mult_adds": "Mult-Adds",
            "trainable": "Trainable"}


def summary(model, input_size: Sequence | None = None, input_data=None, dtypes: Sequence | None = None,
            depth: int = 3, col_names: Sequence[str] = ("output_size", "num_params", "mult_adds", "trainable"),
            col_width: int = 25, verbose: int = 1, search_sizes: Sequence[int] = range(1, 65)) -> ModelStatistics:
    """Summarize ``model`` run on ``input_data`` (a Tensor or tuple) or on zeros of ``input_size`` (one shape, or a
    list of shapes for several inputs; ``dtypes`` one per input, float32 by default).

    A None dim in ``input_size`` is searched over ``search_sizes``: the result lists the sizes for which the forward
    is valid (and the output keeps the batch size) and where the nearest invalid ones break; the table is shown for
    the first valid size. ``depth`` limits the module tree; ``col_names`` picks columns among
    ``input_size, output_size, num_params, params_percent, kernel_size, mult_adds, trainable``. The table is printed
    when ``verbose`` is 1 and is ``str()`` of the result.
    """
    for name in col_names:
        if name not in _COLUMNS:
            raise ValueError(f"Column {name!r} is not a valid column name. Choose among {list(_COLUMNS)}.")
    search = None
    if input_data is None:
        if input_size is None:
            raise ValueError("You must pass input_data or input_size.")
        sizes = [tuple(input_size)] if _is_shape(input_size) else [tuple(s) for s in input_size]
        dtypes = list(dtypes) if dtypes is not None else [float32] * len(sizes)
        if any(d is None for s in sizes for d in s):
            search = _search_sizes(model, sizes, dtypes, list(search_sizes))
            if not search.valid:
                stats = ModelStatistics(None, model, col_names, col_width, depth, search)
                if verbose:
                    print(stats)
                return stats
            sizes = search.valid[0]
        input_data = tuple(zeros(s, dtype=d) for s, d in zip(sizes, dtypes))
    inputs = input_data if isinstance(input_data, (tuple, list)) else (input_data,)
    training = getattr(model, "training", None)
    if training is not None:
        model.eval()
    try:
        graph = capture(model, tuple(inputs))
    except Exception as error:
        raise RuntimeError(f"Failed to run ember.utils.summary: {_describe_error(error)}") from error
    finally:
        if training is not None:
            model.train(training)
    stats = ModelStatistics(graph, model, col_names, col_width, depth, search)
    if verbose:
        print(stats)
    return stats


def _is_shape(size) -> bool:
    return all(d is None or isinstance(d, int) for d in size)


# -- the size search ------------------------------------------------------------------------------------------------
class _Search:
    """Which sizes of the None dims made the forward valid, and why the nearest others failed."""

    def __init__(self, template: list, dims: list) -> None:
        self.template, self.dims = template, dims
        self.valid: list = []  # lists of shapes, one per input
        self.failures: dict = {}  # the free dims' sizes -> the error's description

    def describe(self) -> str:
        free = ", ".join(f"input {i} dim {d}" for i, d in self.dims)
        lines = [f"Searched sizes for {free} (the None dims of {_shapes(self.template)}):"]
        if not self.valid:
            lines.append("  no size makes the forward valid.")
        else:
            keys = [tuple(sizes[i][d] for i, d in self.dims) for sizes in self.valid]
            lines.append(f"  valid for {len(keys)} of {len(keys) + len(self.failures)} tried: {_compress(keys)}")
        nearest = self._nearest_failures()
        if nearest:
            lines.append("  where the shapes break" + (" nearby:" if self.valid else ":"))
            lines += [f"    {_key(k)}: {self.failures[k]}" for k in nearest]
        return "\n".join(lines)

    def _nearest_failures(self) -> list:
        if not self.failures:
            return []
        if not self.valid:
            return sorted(self.failures, key=lambda k: -sum(k))[:3]
        anchor = [tuple(s[i][d] for i, d in self.dims) for s in self.valid][0]
        distinct, seen = [], set()
        for k in sorted(self.failures, key=lambda k: (sum(abs(a - b) for a, b in zip(k, anchor)), k)):
            reason = self.failures[k].split(":")[0]
            if reason not in seen or len(distinct) < 2:
                distinct.append(k)
                seen.add(reason)
            if len(distinct) == 4:
                break
        return distinct


def _search_sizes(model, template: list, dtypes: list, candidates: list) -> _Search:
    dims = [(i, d) for i, s in enumerate(template) for d, n in enumerate(s) if n is None]
    search = _Search(template, dims)
    training = getattr(model, "training", None)
    if training is not None:
        model.eval()
    try:
        with no_grad():
            for combo in itertools.product(candidates, repeat=len(dims)):
                sizes = [list(s) for s in template]
                for (i, d), n in zip(dims, combo):
                    sizes[i][d] = n
                error = _try(model, sizes, dtypes)
                if error is None:
                    search.valid.append([tuple(s) for s in sizes])
                else:
                    search.failures[combo] = error
    finally:
        if training is not None:
            model.train(training)
    return search


def _try(model, sizes: list, dtypes: list) -> str | None:
    inputs = [zeros(tuple(s), dtype=d) for s, d in zip(sizes, dtypes)]
    try:
        out = model(*inputs)
    except Exception as error:  # every failure is a finding: report it
        return _describe_error(error)
    first = out[0] if isinstance(out, (tuple, list)) else out
    batch = sizes[0][0] if sizes[0] else None
    if getattr(first, "ndim", 0) and batch is not None and first.shape[0] != batch:
        return f"the forward runs but the output's batch dim is {first.shape[0]}, not {batch} (a view mixed the dims)"
    return None


def _describe_error(error: BaseException) -> str:
    notes = [n for n in getattr(error, "__notes__", []) if n.startswith("in ")]
    where = notes[-1][3:].split(" = ")[0] if notes else ""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{where}: {message}" if where else message


def _compress(keys: list) -> str:
    """Sizes as ranges: ``32`` or ``8..64`` for one dim; per-dim ranges when the valid set is a full grid."""
    if len(keys[0]) == 1:
        return _ranges(sorted(k[0] for k in keys))
    per_dim = [sorted({k[j] for k in keys}) for j in range(len(keys[0]))]
    if len(keys) == math.prod(len(p) for p in per_dim):
        return " x ".join(_ranges(p) for p in per_dim)
    shown = ", ".join(_key(k) for k in keys[:12])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > 12 else "")


def _ranges(values: list) -> str:
    runs, start = [], values[0]
    for a, b in zip(values, values[1:] + [None]):
        if b != a + 1:
            runs.append(str(start) if start == a else f"{start}..{a}")
            start = b
    return "{" + ", ".join(runs) + "}" if len(runs) > 1 else runs[0]


def _key(k: tuple) -> str:
    return "x".join(map(str, k))


def _shapes(sizes: list) -> str:
    return ", ".join("(" + ", ".join("None" if d is None else str(d) for d in s) + ")" for s in sizes)


# -- the table ------------------------------------------------------------------------------------------------------
def _mult_adds(node) -> int:
    """Multiply-accumulates of one op (the layers torchinfo counts: convolutions, products, LSTM layers)."""
    kind, out = node.kind, node.outputs[0] if node.outputs else None
    if out is None:
        return 0
    values = node.tensor_inputs
    if kind == "ConvolutionBackward0":
        w = values[1]
        if node.inputs[3]:  # transposed: every input element meets every kernel tap of its group
            return math.prod(values[0].shape) * math.prod(w.shape[1:])
        return math.prod(out.shape) * math.prod(w.shape[1:])
    if kind in ("AddmmBackward0", "MmBackward0", "BmmBackward0", "UnsafeViewBackward0", "MvBackward0",
                "ScaledDotProductFlashAttentionForCpuBackward0") and len(values) >= 2:
        inner = values[-1].shape[-2] if len(values[-1].shape) >= 2 else values[-1].shape[0]
        return math.prod(out.shape) * inner
    if kind == "MkldnnRnnLayerBackward0":
        data, w_ih, w_hh = values[:3]
        return data.shape[0] * (math.prod(w_ih.shape) + math.prod(w_hh.shape))
    return 0


class ModelStatistics:
    """What ``summary`` found; ``str()`` is the table (and the size search when one ran)."""

    def __init__(self, graph: Graph | None, model, col_names, col_width: int, depth: int, search) -> None:
        self.graph, self.col_names, self.col_width, self.depth, self.search = graph, tuple(col_names), col_width, \
            depth, search
        params = list(model.parameters()) if hasattr(model, "parameters") else []
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.total_param_bytes = sum(p.numel() * p.element_size() for p in params)
        if graph is None:
            self.total_mult_adds = self.total_input = self.total_output_bytes = 0
            self.valid_sizes = []
            return
        self.valid_sizes = search.valid if search is not None else []
        self.total_mult_adds = sum(_mult_adds(n) for n in graph.nodes)
        self.total_input = sum(math.prod(v.shape) * v.np_dtype.itemsize for v in graph.inputs)
        leaves = [c for c in graph.module_calls if not any(o.path.startswith(c.path + ".") or (c.path == "" and o.path)
                                                             for o in graph.module_calls if o is not c)]
        self.total_output_bytes = 2 * sum(math.prod(v.shape) * v.np_dtype.itemsize for c in leaves for v in c.outputs)

    # rows -------------------------------------------------------------------------------------------------------
    def _rows(self) -> list:
        calls = [c for c in self.graph.module_calls if c.depth <= self.depth]
        rows, counters = [], {}
        for i, call in enumerate(calls):
            if call.depth == 0:
                prefix = ""
                label = call.type_name
            else:
                parent = call.path.rpartition(".")[0]
                counters[parent] = counters.get(parent, 0) + 1
                last = not any(c.depth == call.depth and c.path.rpartition(".")[0] == parent
                               for c in calls[i + 1:])
                bars = "".join("│    " for _ in range(call.depth - 1))
                prefix = bars + ("└─" if last else "├─")
                label = f"{call.type_name}: {call.depth}-{counters[parent]}"
            rows.append((prefix + label, call))
        return rows

    def _cell(self, name: str, call: ModuleCall) -> str:
        module = call.module
        own = list(module.parameters(recurse=False))
        has_children = any(True for _ in module.children())
        deepest = call.depth == self.depth and has_children
        counted = list(module.parameters()) if deepest else own
        if name == "input_size":
            return str([list(v.shape) for v in call.inputs][0] if len(call.inputs) == 1 else
                       [list(v.shape) for v in call.inputs]) if call.inputs else "--"
        if name == "output_size":
            shapes = [list(v.shape) for v in call.outputs]
            return str(shapes[0] if len(shapes) == 1 else shapes) if shapes else "--"
        if name == "num_params":
            n = sum(p.numel() for p in counted)
            return f"{n:,}" if counted else "--"
        if name == "params_percent":
            n = sum(p.numel() for p in counted)
            return f"{100 * n / self.total_params:.2f}%" if counted and self.total_params else "--"
        if name == "kernel_size":
            weight = getattr(module, "weight", None)
            return str(list(weight.shape[2:])) if weight is not None and weight.ndim > 2 else "--"
        if name == "mult_adds":
            if has_children and not deepest:
                return "--"
            n = sum(_mult_adds(node) for node in call.nodes)
            return f"{n:,}" if n else "--"
        if not counted:
            return "--"
        flags = {p.requires_grad for p in counted}
        return "True" if flags == {True} else "False" if flags == {False} else "Partial"

    def __str__(self) -> str:
        parts = []
        if self.search is not None:
            parts.append(self.search.describe())
            if self.graph is not None:
                parts.append(f"The table is for input size {_shapes(self.search.valid[0])}.")
        if self.graph is None:
            return "\n".join(parts)
        rows = self._rows()
        first = max([40] + [len(label) + 2 for label, _ in rows])
        width = first + self.col_width * len(self.col_names)
        rule = "=" * width
        header = "Layer (type:depth-idx)".ljust(first) + "".join(
            _HEADERS[c].ljust(self.col_width) for c in self.col_names).rstrip()
        lines = [rule, header, rule]
        for label, call in rows:
            lines.append(label.ljust(first) + "".join(self._cell(c, call).ljust(self.col_width - 1) + " "
                                                      for c in self.col_names).rstrip())
        mb = 1e6
        lines += [rule, f"Total params: {self.total_params:,}", f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                  f"Total mult-adds ({_unit(self.total_mult_adds)[1]}): {_unit(self.total_mult_adds)[0]}", rule,
                  f"Input size (MB): {self.total_input / mb:.2f}",
                  f"Forward/backward pass size (MB): {self.total_output_bytes / mb:.2f}",
                  f"Params size (MB): {self.total_param_bytes / mb:.2f}",
                  "Estimated Total Size (MB): "
                  f"{(self.total_input + self.total_output_bytes + self.total_param_bytes) / mb:.2f}", rule]
        parts.append("\n".join(lines))
        return "\n".join(parts)

    __repr__ = __str__


def _unit(n: int) -> tuple[str, str]:
    """torchinfo's scale for the mult-adds total: millions, or gigaflops-style units past 1e9."""
    for scale, name in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if n >= scale:
            return f"{n / scale:.2f}", name
    return f"{n / 1e6:.2f}", "M"

